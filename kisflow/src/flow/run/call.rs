//! Driving one handler call: span, metrics, panic guard, retries' wait, and the log events, in
//! plain functions compiled once rather than in generic ones.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt;
use tracing::Instrument;

use super::RowsText;
use crate::action::Taken;
use crate::error::{Error, Result};
use crate::function::ctx::FlowCtx;
use crate::function::{Call, Erased, Rows};

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

/// Drives one handler call: its span, its metrics, and its error named with the flow and
/// function. A panic becomes [`Error::Panic`].
///
/// `retrying` says this is a retry, so the configured delay passes first. `clock` is when the
/// previous call ended, while metrics are recorded; the call starts there and moves it to its
/// own end, so each call reads the clock once.
pub(crate) async fn call(
    ctx: &FlowCtx,
    erased: &Erased,
    input: Rows,
    retrying: bool,
    clock: &mut Option<Instant>,
) -> Result<Rows> {
    if retrying {
        let delay = ctx.retry().delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
    let rows_in = input.len();
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
        match *clock {
            // A retry waited first; its duration starts now.
            Some(ended) if !retrying => ended,
            _ => Instant::now(),
        }
    });
    // A panicking handler ends this run with an error instead of unwinding through the caller.
    // A plain `fn` handler runs right here; an `async fn` hands back its future to drive.
    // `enter` rather than `in_scope`: the same guard, and it stays inlined into this loop
    // (`in_scope` was left out of line once the crate grew, +150 instructions a run).
    let called = {
        let _entered = span.enter();
        std::panic::catch_unwind(AssertUnwindSafe(|| (erased.call)(ctx, input)))
    };
    let outcome = match called {
        Ok(Call::Ready(output)) => Ok(output),
        Ok(Call::Pending(future)) => {
            AssertUnwindSafe(future)
                .catch_unwind()
                .instrument(span.clone())
                .await
        }
        Err(payload) => Err(payload),
    };
    let result = match outcome {
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
        let ended = Instant::now();
        metrics.returned(ended - started, result.as_ref().ok().map(Rows::len));
        *clock = Some(ended);
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
        if debug_enabled() {
            span.in_scope(|| debug_rows(&RowsText(erased.fmt_output, rows), "rows emitted"));
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

/// The error for a run that reached a function index its flow does not have, which the run loop
/// cannot do; it exists so that the loop has no panicking index.
#[must_use]
pub(crate) fn no_such_stage(flow: &str, index: usize) -> Error {
    Error::Internal {
        flow: flow.to_owned(),
        detail: format!("the run reached function {index}, which the flow does not have"),
    }
}
