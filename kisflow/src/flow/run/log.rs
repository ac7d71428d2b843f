//! The run loop's log events, in plain functions compiled once rather than in generic ones.

use crate::action::Taken;
use crate::error::Error;
use crate::function::ctx::FlowCtx;

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
