//! Driving one handler call: span, metrics, panic guard, retries' wait, and the log events, in
//! plain functions compiled once rather than in generic ones.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt;
use tracing::Instrument;

use crate::action::Taken;
use crate::ctx::FlowCtx;
use crate::error::{BoxError, Error, Result};

// Logging lives in these plain functions rather than in generic ones, so that each function of
// each flow does not compile its own copy of tracing's machinery.

/// Whether debug events are wanted, checked before formatting rows.
#[inline]
pub(crate) fn debug_enabled() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
}

/// One debug event with a layer of rows.
pub(crate) fn debug_rows(rows: &dyn std::fmt::Display, message: &'static str) {
    tracing::debug!(rows = %rows, message);
}

#[cold]
pub(super) fn log_action(ctx: &FlowCtx, action: Taken) {
    tracing::debug!(function = ctx.function_name(), ?action, "action taken");
}

/// Logs a failed call that will be made again.
pub(crate) fn log_retry(ctx: &FlowCtx, err: &Error, attempt: u32, times: u32) {
    tracing::warn!(
        function = ctx.function_name(),
        attempt,
        of = times,
        error = %crate::error::chain(err),
        "call failed, retrying"
    );
}

/// The handler's call as [`call`] drives it: its future, reporting how many rows it emitted.
pub(crate) type Handler<'a> =
    std::pin::Pin<&'a mut (dyn Future<Output = std::result::Result<usize, BoxError>> + Send + 'a)>;

/// Drives one handler call: its span, its metrics, and its error named with the flow and
/// function. A panic becomes [`Error::Panic`].
///
/// `retrying` says this is a retry, so the configured delay passes first: waiting here, in code
/// compiled once, keeps the typed step of every function free of a second await.
pub(crate) async fn call(
    ctx: &FlowCtx,
    rows_in: usize,
    retrying: bool,
    handler: Handler<'_>,
) -> Result<usize> {
    if retrying {
        let delay = ctx.retry().delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
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
    let result = match AssertUnwindSafe(handler)
        .catch_unwind()
        .instrument(span.clone())
        .await
    {
        Ok(Ok(count)) => Ok(count),
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
        metrics.returned(started.elapsed(), result.as_ref().ok().copied());
    }
    let outcome = match &result {
        Ok(0) => "empty",
        Ok(_) => "ok",
        Err(Error::Panic { .. }) => "panic",
        Err(_) => "error",
    };
    span.record("outcome", outcome);
    if let Ok(count) = &result {
        span.record("rows_out", count);
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

/// The error for a run that reached a function index its flow does not have, which generated
/// code cannot do; it exists so that the run loop has no panicking arm.
#[must_use]
pub fn no_such_stage(flow: &str, index: usize) -> Error {
    Error::msg(format_args!(
        "flow `{flow}`: internal error: the run reached function {index}, which the flow does not have; please report this"
    ))
}
