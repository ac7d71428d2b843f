//! Not public API: support for the code `#[kis_function]` and `flow!` generate. Anything here may
//! change in any release; the macros and this module are versioned together.

use std::fmt;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::flow::RowsText;

pub use core::future::Future;
pub use core::option::Option;
pub use core::result::Result;
pub use core::{column, concat, file, line, module_path, stringify};
pub use futures::future::BoxFuture;
pub use inventory;
pub use serde_json;
pub use std::boxed::Box;
pub use std::vec::Vec;

pub use crate::ctx::FlowCtx;
pub use crate::edge::{Edge, EmitsRows};
pub use crate::error::{BoxError, Error};
pub use crate::flow::{DynFlow, Flow, FlowSpec, Stage};
pub use crate::function::{FunctionInfo, KisFunction, Location, NoRows, RowType};
pub use crate::mode::Mode;
pub use crate::registry::{FlowEntry, FunctionEntry};

/// Calls one function of a flow: its span, its metrics, the debug log of its rows, and its error
/// named with the flow and function.
pub async fn run_stage<T, Fut>(
    ctx: &FlowCtx,
    rows_in: usize,
    fmt_output: fn(&[T], &mut fmt::Formatter<'_>) -> fmt::Result,
    call: Fut,
) -> crate::Result<Vec<T>>
where
    Fut: Future<Output = Result<Vec<T>, BoxError>>,
{
    let span = tracing::info_span!(
        "kisflow_function",
        function = ctx.function_name(),
        mode = ctx.function_mode().as_str(),
        rows_in,
        rows_out = tracing::field::Empty,
        outcome = tracing::field::Empty,
    );
    let metrics = ctx.metrics();
    let started = metrics.map(|m| {
        m.called(rows_in);
        Instant::now()
    });
    // A panicking handler ends this run with an error instead of unwinding through the caller.
    let result = match AssertUnwindSafe(call)
        .catch_unwind()
        .instrument(span.clone())
        .await
    {
        Ok(Ok(rows)) => Ok(rows),
        Ok(Err(source)) => Err(Error::Handler {
            flow: ctx.flow_name().to_owned(),
            function: ctx.function_name().to_owned(),
            source,
        }),
        Err(payload) => Err(Error::Panic {
            flow: ctx.flow_name().to_owned(),
            function: ctx.function_name().to_owned(),
            message: panic_message(payload.as_ref()),
        }),
    };
    if let (Some(metrics), Some(started)) = (metrics, started) {
        metrics.returned(started.elapsed(), result.as_ref().ok().map(Vec::len));
    }
    let outcome = match &result {
        Ok(rows) if rows.is_empty() => "empty",
        Ok(_) => "ok",
        Err(Error::Panic { .. }) => "panic",
        Err(_) => "error",
    };
    span.record("outcome", outcome);
    if let Ok(rows) = &result {
        span.record("rows_out", rows.len());
        if tracing::enabled!(tracing::Level::DEBUG) {
            span.in_scope(|| tracing::debug!(rows = %RowsText(fmt_output, rows), "rows emitted"));
        }
    }
    result
}

/// The text of a panic payload: `panic!("…")` gives a `&str` or a `String`.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// The return types a handler may have, turned into one batch of output rows.
pub trait IntoOutput<T> {
    /// The rows, or the handler's error.
    fn into_output(self) -> Result<Vec<T>, BoxError>;
}

impl<T> IntoOutput<T> for Vec<T> {
    #[inline]
    fn into_output(self) -> Result<Vec<T>, BoxError> {
        Ok(self)
    }
}

impl<T, E: Into<BoxError>> IntoOutput<T> for Result<Vec<T>, E> {
    #[inline]
    fn into_output(self) -> Result<Vec<T>, BoxError> {
        self.map_err(Into::into)
    }
}

impl IntoOutput<NoRows> for () {
    #[inline]
    fn into_output(self) -> Result<Vec<NoRows>, BoxError> {
        Ok(Vec::new())
    }
}

impl<E: Into<BoxError>> IntoOutput<NoRows> for Result<(), E> {
    #[inline]
    fn into_output(self) -> Result<Vec<NoRows>, BoxError> {
        self.map(|()| Vec::new()).map_err(Into::into)
    }
}

/// Picks JSON decoding for a row type that implements `Deserialize` and reports `None` for one that
/// does not, without a `Deserialize` bound (autoref specialisation, resolved in generated code where
/// the type is concrete).
pub struct JsonProbe<T>(PhantomData<T>);

impl<T> Default for JsonProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

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

/// Writes rows for debug logs with `Debug` where the row type has it, without a `Debug` bound
/// (autoref specialisation, resolved in generated code where the type is concrete).
pub struct DebugProbe<T>(PhantomData<T>);

impl<T> DebugProbe<T> {
    /// The probe for row type `T`.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for DebugProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen when the row type is `Debug`.
pub trait DebugViaDebug<T> {
    /// The rows as a `Debug` list.
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T: fmt::Debug> DebugViaDebug<T> for &DebugProbe<T> {
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{rows:?}")
    }
}

/// The fallback for row types without `Debug`: the count and the type.
pub trait DebugUnsupported<T> {
    /// How many rows of which type.
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T> DebugUnsupported<T> for DebugProbe<T> {
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{} rows of `{}`, which has no Debug]",
            rows.len(),
            std::any::type_name::<T>()
        )
    }
}
