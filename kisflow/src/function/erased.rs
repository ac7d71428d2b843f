//! A function with its row types erased. Every flow runs through these operations: the run loop is
//! compiled once, in kisflow, rather than once per `flow!`, which is what keeps a crate with many
//! flows quick to build. The row types of every edge are checked before a flow exists (by the
//! compiler for `flow!`, by the registry for flows composed at run time), so the downcasts here
//! only fail if that check was skipped, and then as an error, not a panic.

use std::any::Any;
use std::marker::PhantomData;

use super::{CallFn, Handler, Row, RowType, Rows};

/// Copies rows.
pub type CloneFn = fn(&Rows) -> Option<Rows>;
/// Decodes one row from JSON, text or a parsed value, onto the end of a batch: `false` when the
/// batch holds rows of another type (the row is then dropped, and the batch unchanged).
pub type DecodeFn = fn(JsonRef<'_>, &mut Rows) -> Result<bool, serde_json::Error>;

/// A JSON row to decode: text is decoded straight into the row type, without a
/// [`serde_json::Value`] in between.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum JsonRef<'a> {
    /// JSON text.
    Text(&'a str),
    /// A parsed value.
    Value(&'a serde_json::Value),
}
/// Encodes rows as JSON values.
pub type EncodeFn = fn(&Rows) -> Option<Result<Vec<serde_json::Value>, serde_json::Error>>;
/// Writes rows for debug logs.
pub type FmtFn = fn(&Rows, &mut std::fmt::Formatter<'_>) -> std::fmt::Result;
/// What a registered function can do with rows of types known only at run time, assembled from
/// its `INFO` when a flow is built. Nothing of it is compiled per function but an `async fn`'s
/// `call`; the rest is compiled once per row type and shared.
#[derive(Clone, Copy)]
pub(crate) struct Erased {
    pub(crate) call: CallFn,
    /// A plain `fn` handler's `KisFunction::PLAIN`, an `Option<PlainFn<In, Out>>`, which `call`
    /// finds here.
    pub(crate) plain: Option<&'static (dyn Any + Send + Sync)>,
    pub(crate) clone_input: Option<CloneFn>,
    pub(crate) reusable: Option<CloneFn>,
    pub(crate) decode_input: Option<DecodeFn>,
    pub(crate) encode_output: Option<EncodeFn>,
    pub(crate) fmt_input: FmtFn,
    pub(crate) fmt_output: FmtFn,
}

/// What `#[kis_function]`'s probes found its row types can do.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Abilities {
    /// A copier of input rows, when they are `Clone`.
    pub clone_input: Option<CloneFn>,
    /// A decoder of input rows, when they are `Deserialize`.
    pub decode_input: Option<DecodeFn>,
    /// An encoder of output rows, when they are `Serialize`.
    pub encode_output: Option<EncodeFn>,
    /// Writes input rows: with `Debug` where they have it.
    pub fmt_input: FmtFn,
    /// Writes output rows.
    pub fmt_output: FmtFn,
}

/// What the run loop does with rows of one pair of row types, input and output, whatever the
/// function: the constant [`RowsOf::OPS`], which the compiler evaluates once per pair, so that a
/// function's `INFO` only points at it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct RowOps {
    pub(crate) input: RowType,
    pub(crate) output: RowType,
    /// Calls a plain `fn` handler with these row types ([`Call::plain`](super::Call::plain)).
    pub(crate) call_plain: CallFn,
}

/// The [`RowOps`] of input rows `In` and output rows `Out`, which `KisFunction::ROWS` names.
pub(crate) struct RowsOf<In, Out>(PhantomData<fn(In) -> Out>);

impl<In: Row, Out: Row> RowsOf<In, Out> {
    /// The operations, evaluated while compiling, once per pair of row types.
    pub(crate) const OPS: RowOps = RowOps {
        input: RowType::of::<In>(),
        output: RowType::of::<Out>(),
        call_plain: super::Call::plain::<In, Out>,
    };
}

impl Erased {
    /// The erased operations of a function: `ops` for its row types, `call` its own call of an
    /// `async fn` handler (`None` for a plain `fn`, which the shared [`Call::plain`] calls,
    /// finding the handler in `plain`), `can` what its rows can do, and whether it declares
    /// `actions(data_reuse)`.
    ///
    /// [`Call::plain`]: super::Call::plain
    pub(crate) fn new(ops: &RowOps, handler: Handler, can: Abilities, data_reuse: bool) -> Self {
        let (call, plain) = match handler {
            Handler::Plain(plain) => (ops.call_plain, Some(plain)),
            Handler::Async(call) => (call, None),
        };
        Self {
            call,
            plain,
            clone_input: can.clone_input,
            // Declaring `data_reuse` makes the output type the input type, so a copy of the
            // input is the rows to hand on.
            reusable: if data_reuse { can.clone_input } else { None },
            decode_input: can.decode_input,
            encode_output: can.encode_output,
            fmt_input: can.fmt_input,
            fmt_output: can.fmt_output,
        }
    }
}

impl std::fmt::Debug for Erased {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Erased")
    }
}

/// A copy of rows of `Clone` type `T`.
#[must_use]
pub(crate) fn clone_rows<T: Clone + Send + 'static>(rows: &Rows) -> Option<Rows> {
    #[allow(
        clippy::question_mark,
        reason = "`?` compiles `Try` per row type in debug"
    )]
    let Some(mut rest) = rows.as_slice::<T>() else {
        return None;
    };
    // By hand rather than `to_vec`, whose drop guard and iterator a debug build compiles per row
    // type, and over a slice pattern rather than an iterator, which the compiler builds in; a
    // release build makes the same copy of either.
    let mut copy = Vec::with_capacity(rest.len());
    while let [row, tail @ ..] = rest {
        copy.push(row.clone());
        rest = tail;
    }
    Some(Rows::new(copy))
}

/// One row of `Deserialize` type `T`, decoded from JSON and pushed onto `rows`: no batch of its
/// own, so a row committed as JSON costs its decoding and a push, as by hand.
pub(crate) fn decode_row<T: serde::de::DeserializeOwned + Send + 'static>(
    row: JsonRef<'_>,
    rows: &mut Rows,
) -> Result<bool, serde_json::Error> {
    let row = row.decode::<T>()?;
    Ok(rows.push(row).is_ok())
}

impl JsonRef<'_> {
    /// The row as a `T`. A row of the wrong shape is decoded once more, tracking where serde is,
    /// so its error names the field (``field `items[2].qty`: invalid type…``): a cost only rows
    /// that fail pay.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(self) -> Result<T, serde_json::Error> {
        let decoded = match self {
            JsonRef::Text(text) => serde_json::from_str(text),
            JsonRef::Value(value) => T::deserialize(value),
        };
        decoded.map_err(|err| self.name_the_field::<T>(err))
    }

    /// `err`, from decoding this row as a `T`, prefixed with the path of the field it is about.
    #[cold]
    fn name_the_field<T: serde::de::DeserializeOwned>(
        self,
        err: serde_json::Error,
    ) -> serde_json::Error {
        if !err.is_data() {
            return err; // a syntax error has a line and column, and no field yet
        }
        let tracked = match self {
            JsonRef::Text(text) => serde_path_to_error::deserialize::<_, T>(
                &mut serde_json::Deserializer::from_str(text),
            )
            .err(),
            JsonRef::Value(value) => serde_path_to_error::deserialize::<_, T>(value).err(),
        };
        match tracked {
            Some(tracked) if tracked.path().iter().next().is_some() => {
                serde::de::Error::custom(format!("field `{}`: {err}", tracked.path()))
            }
            _ => err,
        }
    }

    /// The row as committed, shortened for an error message.
    pub(crate) fn excerpt(self) -> String {
        match self {
            JsonRef::Text(text) => crate::error::excerpt(text),
            JsonRef::Value(value) => crate::error::excerpt(&value.to_string()),
        }
    }
}

/// Rows of `Serialize` type `T` as JSON values.
#[must_use]
pub(crate) fn encode_rows<T: serde::Serialize + 'static>(
    rows: &Rows,
) -> Option<Result<Vec<serde_json::Value>, serde_json::Error>> {
    #[allow(
        clippy::question_mark,
        reason = "`?` compiles `Try` per row type in debug"
    )]
    let Some(mut rest) = rows.as_slice::<T>() else {
        return None;
    };
    // A loop over a slice pattern rather than collecting into a `Result`, which compiles its
    // iterator adapters again per row type in a debug build.
    let mut values = Vec::with_capacity(rest.len());
    while let [row, tail @ ..] = rest {
        match serde_json::to_value(row) {
            Ok(value) => values.push(value),
            Err(err) => return Some(Err(err)),
        }
        rest = tail;
    }
    Some(Ok(values))
}

/// Rows of `Debug` type `T` as a `Debug` list.
pub(crate) fn debug_rows<T: std::fmt::Debug + 'static>(
    rows: &Rows,
    f: &mut std::fmt::Formatter<'_>,
) -> std::fmt::Result {
    let Some(mut rest) = rows.as_slice::<T>() else {
        return write!(f, "{rows:?}");
    };
    // Each row as a `&dyn Debug`: `DebugList::entry` is compiled once, in the standard library,
    // where formatting the slice would compile its iteration again per row type; and over a
    // slice pattern, which compiles no iterator either.
    let mut list = f.debug_list();
    while let [row, tail @ ..] = rest {
        list.entry(row);
        rest = tail;
    }
    list.finish()
}

/// Rows of type `T`, which has no `Debug`: how many, and the type.
pub(crate) fn count_rows<T: 'static>(
    rows: &Rows,
    f: &mut std::fmt::Formatter<'_>,
) -> std::fmt::Result {
    write!(
        f,
        "[{} rows of `{}`, which has no Debug]",
        rows.len(),
        std::any::type_name::<T>()
    )
}
