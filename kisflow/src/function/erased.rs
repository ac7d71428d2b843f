//! A function with its row types erased, for flows composed at run time from registered names
//! (YAML flows). The registry checks the row types of every edge before such a flow is built, so
//! the downcasts here only fail if that check was skipped, and then as an error, not a panic.

use std::any::Any;

use futures::future::BoxFuture;

use super::KisFunction;
use crate::ctx::FlowCtx;
use crate::error::BoxError;

/// A batch of rows of a type known only at run time: a boxed `Vec<T>` and its length.
pub(crate) struct Rows {
    rows: Box<dyn Any + Send>,
    len: usize,
}

impl Rows {
    /// `rows`, boxed.
    pub(crate) fn new<T: Send + 'static>(rows: Vec<T>) -> Self {
        Self {
            len: rows.len(),
            rows: Box::new(rows),
        }
    }

    /// How many rows.
    #[must_use]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    #[must_use]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rows as a `Vec<T>`, or themselves back when they are of another type.
    pub(crate) fn downcast<T: Send + 'static>(self) -> Result<Vec<T>, Self> {
        match self.rows.downcast::<Vec<T>>() {
            Ok(rows) => Ok(*rows),
            Err(rows) => Err(Self {
                rows,
                len: self.len,
            }),
        }
    }

    fn as_vec<T: 'static>(&self) -> Option<&Vec<T>> {
        self.rows.downcast_ref::<Vec<T>>()
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} rows]", self.len)
    }
}

type CallFn = for<'a> fn(&'a FlowCtx, Rows) -> BoxFuture<'a, Result<Rows, BoxError>>;
/// Pushes one boxed row, or hands it back when it is not of the input type.
type PushFn = fn(&mut Rows, Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>>;
type JsonOut = Option<Result<Vec<serde_json::Value>, serde_json::Error>>;

/// What a registered function can do with rows of types known only at run time.
#[derive(Clone, Copy)]
pub struct Erased {
    pub(crate) call: CallFn,
    pub(crate) clone_input: fn(&Rows) -> Option<Rows>,
    pub(crate) reusable: fn(&Rows) -> Option<Rows>,
    pub(crate) decode_input: fn(&serde_json::Value) -> Option<Result<Rows, serde_json::Error>>,
    pub(crate) encode_output: fn(&Rows) -> JsonOut,
    pub(crate) append_input: fn(&mut Rows, Rows) -> bool,
    pub(crate) push_input: PushFn,
    pub(crate) empty_input: fn() -> Rows,
    pub(crate) input_is_clone: fn() -> bool,
    pub(crate) output_is_json: fn() -> bool,
}

impl Erased {
    /// The erased operations of function `F`.
    #[must_use]
    pub const fn of<F: KisFunction>() -> Self {
        Self {
            call: call::<F>,
            clone_input: clone_input::<F>,
            reusable: reusable::<F>,
            decode_input: decode_input::<F>,
            encode_output: encode_output::<F>,
            append_input: append_input::<F>,
            push_input: push_input::<F>,
            empty_input: empty_input::<F>,
            input_is_clone: input_is_clone::<F>,
            output_is_json: output_is_json::<F>,
        }
    }
}

impl std::fmt::Debug for Erased {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Erased")
    }
}

fn call<F: KisFunction>(ctx: &FlowCtx, rows: Rows) -> BoxFuture<'_, Result<Rows, BoxError>> {
    match rows.downcast::<F::In>() {
        Ok(rows) => Box::pin(async move { F::call(ctx, rows).await.map(Rows::new) }),
        Err(_) => {
            let message = format!(
                "internal error: rows of another type than `{}` reached function `{}`; flows \
                 composed at run time are type-checked before they run, please report this",
                std::any::type_name::<F::In>(),
                F::INFO.name()
            );
            Box::pin(async move { Err(message.into()) })
        }
    }
}

fn clone_input<F: KisFunction>(rows: &Rows) -> Option<Rows> {
    F::clone_input(rows.as_vec::<F::In>()?).map(Rows::new)
}

fn reusable<F: KisFunction>(rows: &Rows) -> Option<Rows> {
    F::reusable(rows.as_vec::<F::In>()?).map(Rows::new)
}

fn decode_input<F: KisFunction>(
    row: &serde_json::Value,
) -> Option<Result<Rows, serde_json::Error>> {
    F::decode_input(row).map(|decoded| decoded.map(|row| Rows::new(vec![row])))
}

fn encode_output<F: KisFunction>(rows: &Rows) -> JsonOut {
    F::encode_output(rows.as_vec::<F::Out>()?)
}

fn append_input<F: KisFunction>(rows: &mut Rows, more: Rows) -> bool {
    let (Some(rows_vec), Ok(more)) = (
        rows.rows.downcast_mut::<Vec<F::In>>(),
        more.downcast::<F::In>(),
    ) else {
        return false;
    };
    rows_vec.extend(more);
    rows.len = rows_vec.len();
    true
}

fn push_input<F: KisFunction>(
    rows: &mut Rows,
    row: Box<dyn Any + Send>,
) -> Result<(), Box<dyn Any + Send>> {
    let row = row.downcast::<F::In>()?;
    let Some(rows_vec) = rows.rows.downcast_mut::<Vec<F::In>>() else {
        return Err(row);
    };
    rows_vec.push(*row);
    rows.len = rows_vec.len();
    Ok(())
}

fn empty_input<F: KisFunction>() -> Rows {
    Rows::new(Vec::<F::In>::new())
}

fn input_is_clone<F: KisFunction>() -> bool {
    F::clone_input(&[]).is_some()
}

fn output_is_json<F: KisFunction>() -> bool {
    F::encode_output(&[]).is_some()
}
