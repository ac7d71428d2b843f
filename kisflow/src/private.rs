//! Not public API: support for the code `#[kis_function]` and `flow!` generate. Anything here may
//! change in any release; the macros and this module are versioned together.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

pub use core::future::Future;
pub use core::option::Option;
pub use core::result::Result;
pub use core::{column, concat, file, line, module_path, stringify};
pub use inventory;
pub use serde_json;
pub use std::boxed::Box;
pub use std::vec::Vec;

pub use crate::ctx::FlowCtx;
pub use crate::error::{BoxError, Error};
pub use crate::flow::{DynFlow, Flow, FlowSpec, Stage};
pub use crate::function::{FunctionInfo, KisFunction, Location, NoRows, RowType};
pub use crate::mode::Mode;
pub use crate::registry::{FlowEntry, FunctionEntry};

/// Calls one function of a flow and names the flow and function in its error.
pub async fn call<F: KisFunction>(ctx: &FlowCtx, rows: Vec<F::In>) -> crate::Result<Vec<F::Out>> {
    F::call(ctx, rows).await.map_err(|source| Error::Handler {
        flow: ctx.flow_name().to_owned(),
        function: F::INFO.name().to_owned(),
        source,
    })
}

/// The type every edge check is asked about; `Edge` is implemented for it only where rows fit.
pub struct Link;

/// Implemented when `Out`, what `Prev` emits, is `In`, what `Next` takes. `flow!` asks for it once
/// per edge, spanned on the next function's name, so a mismatch is one error at the user's token.
#[diagnostic::on_unimplemented(
    message = "function `{Prev}` emits rows of type `{Out}`, but the next function `{Next}` takes rows of type `{In}`",
    label = "`{Next}` takes `{In}` rows, but `{Prev}` emits `{Out}` rows",
    note = "in a flow each function's output row type must be the next function's input row type; change one of the two functions, or put a function between them that turns `{Out}` rows into `{In}` rows"
)]
pub trait Edge<Prev, Out, Next, In> {
    /// Hands the rows on unchanged; only the identity impl exists.
    fn feed(rows: Vec<Out>) -> Vec<In>;
}

impl<Prev, Next, T> Edge<Prev, T, Next, T> for Link {
    #[inline(always)]
    fn feed(rows: Vec<T>) -> Vec<T> {
        rows
    }
}

/// Implemented by `#[kis_function]` for every function that emits rows, that is every one but a sink.
#[diagnostic::on_unimplemented(
    message = "`{Self}` emits no rows, so no function can follow it in a flow",
    label = "this function comes after the sink `{Self}`",
    note = "`{Self}` returns `()` or `Result<()>`, which makes it a sink; put it last in the flow, or let it return `Vec<Row>` to pass rows on"
)]
pub trait Emits {
    /// The row type the function emits.
    type Row;
}

/// Hands the output of `Prev` to `Next`, where the compiler has checked that the row types fit.
#[inline(always)]
pub fn feed<Prev, Next>(rows: Vec<<Prev as Emits>::Row>) -> Vec<<Next as KisFunction>::In>
where
    Prev: Emits,
    Next: KisFunction,
    Link: Edge<Prev, <Prev as Emits>::Row, Next, <Next as KisFunction>::In>,
{
    <Link as Edge<Prev, <Prev as Emits>::Row, Next, <Next as KisFunction>::In>>::feed(rows)
}

/// The return types a handler may have, turned into one batch of output rows.
pub trait IntoOutput<T> {
    /// The rows, or the handler's error.
    fn into_output(self) -> Result<Vec<T>, BoxError>;
}

impl<T> IntoOutput<T> for Vec<T> {
    #[inline(always)]
    fn into_output(self) -> Result<Vec<T>, BoxError> {
        Ok(self)
    }
}

impl<T, E: Into<BoxError>> IntoOutput<T> for Result<Vec<T>, E> {
    #[inline(always)]
    fn into_output(self) -> Result<Vec<T>, BoxError> {
        self.map_err(Into::into)
    }
}

impl IntoOutput<NoRows> for () {
    #[inline(always)]
    fn into_output(self) -> Result<Vec<NoRows>, BoxError> {
        Ok(Vec::new())
    }
}

impl<E: Into<BoxError>> IntoOutput<NoRows> for Result<(), E> {
    #[inline(always)]
    fn into_output(self) -> Result<Vec<NoRows>, BoxError> {
        self.map(|()| Vec::new()).map_err(Into::into)
    }
}

/// Picks JSON decoding for a row type that implements `Deserialize` and reports `None` for one that
/// does not, without a `Deserialize` bound (autoref specialisation, resolved in generated code where
/// the type is concrete).
pub struct JsonProbe<T>(PhantomData<T>);

impl<T> JsonProbe<T> {
    /// The probe for row type `T`.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Chosen when the row type is `Deserialize`.
pub trait JsonViaSerde<T> {
    /// `Some` decoded row.
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>>;
}

impl<T: DeserializeOwned> JsonViaSerde<T> for &JsonProbe<T> {
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>> {
        Some(T::deserialize(row))
    }
}

/// The fallback for row types that are not `Deserialize`.
pub trait JsonUnsupported<T> {
    /// Always `None`.
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>>;
}

impl<T> JsonUnsupported<T> for JsonProbe<T> {
    fn decode_json(&self, _row: &serde_json::Value) -> Option<Result<T, serde_json::Error>> {
        None
    }
}

/// A boxed fresh instance of flow `S`, for the registry.
#[must_use]
pub fn new_dyn_flow<S: FlowSpec>() -> Box<dyn DynFlow> {
    Box::new(Flow::<S>::new())
}
