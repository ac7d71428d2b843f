//! A function with its row types erased, for flows composed at run time from registered names
//! (YAML flows). The registry checks the row types of every edge before such a flow is built, so
//! the downcasts here only fail if that check was skipped, and then as an error, not a panic.

use std::any::Any;

use futures::future::BoxFuture;

use super::KisFunction;
use crate::ctx::FlowCtx;
use crate::error::BoxError;

/// A batch of rows of a type known only at run time: a boxed `Vec<T>` and its length.
#[doc(hidden)]
pub struct Rows {
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
/// Copies rows.
pub type CloneFn = fn(&Rows) -> Option<Rows>;
/// Decodes one row from JSON, as a batch of one.
pub type DecodeFn = fn(&serde_json::Value) -> Result<Rows, serde_json::Error>;
/// Encodes rows as JSON values.
pub type EncodeFn = fn(&Rows) -> Option<Result<Vec<serde_json::Value>, serde_json::Error>>;
/// Pushes one boxed row, or hands it back when it is not of the input type.
type PushFn = fn(&mut Rows, Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>>;

/// What a registered function can do with rows of types known only at run time. Only `call` is
/// compiled per function; the rest is compiled once per row type and shared.
#[derive(Clone, Copy)]
pub struct Erased {
    pub(crate) call: CallFn,
    pub(crate) clone_input: Option<CloneFn>,
    pub(crate) reusable: Option<CloneFn>,
    pub(crate) decode_input: Option<DecodeFn>,
    pub(crate) encode_output: Option<EncodeFn>,
    pub(crate) append_input: fn(&mut Rows, Rows) -> bool,
    pub(crate) push_input: PushFn,
    pub(crate) empty_input: fn() -> Rows,
}

impl Erased {
    /// The erased operations of function `F`, given what its row types can do (found by
    /// `#[kis_function]`'s probes): copy the input, decode it from JSON, encode the output.
    #[must_use]
    pub fn __new<F: KisFunction>(
        clone_input: Option<CloneFn>,
        decode_input: Option<DecodeFn>,
        encode_output: Option<EncodeFn>,
    ) -> Self {
        Self {
            call: call::<F>,
            clone_input,
            // Declaring `data_reuse` makes the output type the input type, so a copy of the
            // input is the rows to hand on.
            reusable: clone_input.filter(|_| F::INFO.actions().data_reuse()),
            decode_input,
            encode_output,
            append_input: append_input::<F::In>,
            push_input: push_input::<F::In>,
            empty_input: empty_input::<F::In>,
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

/// A copy of rows of `Clone` type `T`.
#[must_use]
pub fn clone_rows<T: Clone + Send + 'static>(rows: &Rows) -> Option<Rows> {
    rows.as_vec::<T>().map(|rows| Rows::new(rows.clone()))
}

/// One row of `Deserialize` type `T`, decoded from JSON as a batch of one.
pub fn decode_row<T: serde::de::DeserializeOwned + Send + 'static>(
    row: &serde_json::Value,
) -> Result<Rows, serde_json::Error> {
    T::deserialize(row).map(|row| Rows::new(vec![row]))
}

/// Rows of `Serialize` type `T` as JSON values.
#[must_use]
pub fn encode_rows<T: serde::Serialize + 'static>(
    rows: &Rows,
) -> Option<Result<Vec<serde_json::Value>, serde_json::Error>> {
    let rows = rows.as_vec::<T>()?;
    Some(rows.iter().map(serde_json::to_value).collect())
}

fn append_input<T: Send + 'static>(rows: &mut Rows, more: Rows) -> bool {
    let (Some(rows_vec), Ok(more)) = (rows.rows.downcast_mut::<Vec<T>>(), more.downcast::<T>())
    else {
        return false;
    };
    rows_vec.extend(more);
    rows.len = rows_vec.len();
    true
}

fn push_input<T: Send + 'static>(
    rows: &mut Rows,
    row: Box<dyn Any + Send>,
) -> Result<(), Box<dyn Any + Send>> {
    let row = row.downcast::<T>()?;
    let Some(rows_vec) = rows.rows.downcast_mut::<Vec<T>>() else {
        return Err(row);
    };
    rows_vec.push(*row);
    rows.len = rows_vec.len();
    Ok(())
}

fn empty_input<T: Send + 'static>() -> Rows {
    Rows::new(Vec::<T>::new())
}
