//! Driving one handler call: span, metrics, panic guard, retries' wait, and the log events, in
//! plain functions compiled once rather than in generic ones.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use futures::future::BoxFuture;
use tracing::Instrument;

use super::{RowsText, debug_enabled, debug_rows};
use crate::error::{BoxError, Error, Result};
use crate::function::ctx::FlowCtx;
use crate::function::{Call, Erased, Rows};
use crate::metrics::clock::Instant;

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
    match start(ctx, erased, input, retrying, clock) {
        Started::Done(rows) => Ok(rows),
        Started::Failed(err) => Err(*err),
        Started::Pending(later) => later.finish(clock).await,
    }
}

/// What a handler gave back: its rows or error, or the payload of its panic.
type Outcome = std::result::Result<std::result::Result<Rows, BoxError>, Panicked>;
pub(super) type Panicked = Box<dyn std::any::Any + Send>;

/// A handler call begun by [`start`].
pub(crate) enum Started<'a> {
    /// A plain `fn` handler's call, ended with these rows.
    Done(Rows),
    /// A plain `fn` handler's call, failed; boxed, so that the common case moves less.
    Failed(Box<Error>),
    /// An `async fn` handler's call, to end with [`Later::finish`].
    Pending(Later<'a>),
}

/// An `async fn` handler's call under way: its future, boxed with what its end records, so that
/// a run's own future holds no room for it when no handler is `async`.
pub(crate) struct Later<'a>(BoxFuture<'a, (Underway<'a>, Outcome)>);

impl Later<'_> {
    /// Waits for the handler, then ends its call as [`start`] ends a plain one.
    pub(crate) async fn finish(self, clock: &mut Option<Instant>) -> Result<Rows> {
        let (call, outcome) = self.0.await;
        call.finish(outcome, clock)
    }
}

/// A call under way: what [`Underway::finish`] needs to record its end.
struct Underway<'a> {
    ctx: &'a FlowCtx,
    erased: &'a Erased,
    span: tracing::Span,
    /// When the call started, while metrics are recorded.
    started: Option<Instant>,
}

/// Begins one call of the handler of `ctx` on `input`, in its span, timed while metrics are
/// recorded: a plain `fn` handler runs right here, an `async fn` hands back its future. A panic
/// is caught, so that it ends this run with an error instead of unwinding through the caller.
#[inline]
pub(crate) fn start<'a>(
    ctx: &'a FlowCtx,
    erased: &'a Erased,
    input: Rows,
    retrying: bool,
    clock: &mut Option<Instant>,
) -> Started<'a> {
    let rows_in = input.len();
    let span = tracing::info_span!(
        "kisflow_function",
        function = ctx.function_name(),
        mode = ctx.function_mode().as_str(),
        rows_in,
        rows_out = tracing::field::Empty,
        outcome = tracing::field::Empty,
    );
    let started = ctx.metrics().map(|m| {
        m.called(rows_in);
        match *clock {
            // A retry waited first; its duration starts now.
            Some(ended) if !retrying => ended,
            _ => Instant::now(),
        }
    });
    // `enter` rather than `in_scope`: the same guard, and it stays inlined into this loop
    // (`in_scope` was left out of line once the crate grew, +150 instructions a run).
    let called = {
        let _entered = span.enter();
        std::panic::catch_unwind(AssertUnwindSafe(|| (erased.call)(ctx, input)))
    };
    let call = Underway {
        ctx,
        erased,
        span,
        started,
    };
    call.settle(called, clock)
}

/// [`start`] for a run that no subscriber observes (see [`quiet`]): no span and no debug events,
/// so a plain `fn` handler's call is the call itself, guarded against panics, and timed while
/// metrics are recorded (`clock` as [`start`] takes it).
#[inline]
pub(crate) fn quick<'a>(
    ctx: &'a FlowCtx,
    erased: &'a Erased,
    input: Rows,
    clock: &mut Option<Instant>,
) -> Started<'a> {
    let metrics = ctx.metrics();
    let started = metrics.map(|m| {
        m.called(input.len());
        clock.unwrap_or_else(Instant::now)
    });
    let called = std::panic::catch_unwind(AssertUnwindSafe(|| (erased.call)(ctx, input)));
    if let Ok(Call::Ready(Ok(rows))) = called {
        if let (Some(metrics), Some(started)) = (metrics, started) {
            let ended = Instant::now();
            metrics.returned(ended - started, Some(rows.len()));
            *clock = Some(ended);
        }
        return Started::Done(rows);
    }
    let call = Underway {
        ctx,
        erased,
        span: tracing::Span::none(),
        started,
    };
    call.settle(called, clock)
}

/// Whether no subscriber wants a span or event at INFO or more verbose, which every call's
/// span and debug events are. Checked once per run, so that a run no subscriber observes does
/// not build a span per call.
#[inline]
pub(crate) fn quiet() -> bool {
    !tracing::level_enabled!(tracing::Level::INFO)
}

impl<'a> Underway<'a> {
    /// What became of the call, once its handler was called.
    fn settle(
        self,
        called: std::result::Result<Call<'a>, Panicked>,
        clock: &mut Option<Instant>,
    ) -> Started<'a> {
        let ended = match called {
            // The common end, kept short: rows back, and nothing wants to hear about it.
            Ok(Call::Ready(Ok(rows))) if self.is_quiet() => return Started::Done(rows),
            Ok(Call::Ready(output)) => self.finish(Ok(output), clock),
            Ok(Call::Pending(future)) => {
                return Started::Pending(Later(Box::pin(async move {
                    let outcome = self.drive(future).await;
                    (self, outcome)
                })));
            }
            Err(payload) => self.finish(Err(payload), clock),
        };
        match ended {
            Ok(rows) => Started::Done(rows),
            Err(err) => Started::Failed(Box::new(err)),
        }
    }

    /// Drives an `async fn` handler's future to its end, in the call's span, catching a panic.
    async fn drive(&self, future: BoxFuture<'_, std::result::Result<Rows, BoxError>>) -> Outcome {
        let future = AssertUnwindSafe(future).catch_unwind();
        if self.span.is_disabled() {
            return future.await;
        }
        future.instrument(self.span.clone()).await
    }

    /// Whether the call's end has nothing to record: no metrics, no span a subscriber wants, and
    /// no debug events.
    #[inline]
    fn is_quiet(&self) -> bool {
        self.started.is_none() && self.span.is_disabled() && !debug_enabled()
    }

    /// Ends the call with `outcome`: its metrics, its span's fields and debug rows, and its
    /// error named with the flow and function. Moves `clock` to the call's end while metrics are
    /// recorded.
    #[inline(never)]
    fn finish(self, outcome: Outcome, clock: &mut Option<Instant>) -> Result<Rows> {
        let ctx = self.ctx;
        let result = match outcome {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(source)) => Err(handler_error(ctx, source)),
            Err(payload) => Err(panic_error(ctx, payload.as_ref())),
        };
        if let (Some(metrics), Some(started)) = (ctx.metrics(), self.started) {
            let ended = Instant::now();
            metrics.returned(ended - started, result.as_ref().ok().map(Rows::len));
            *clock = Some(ended);
        }
        // A span no subscriber wants records nothing: its fields are not even looked up.
        if !self.span.is_disabled() {
            self.record(&result);
        }
        if let Ok(rows) = &result
            && debug_enabled()
        {
            let rows = RowsText(self.erased.fmt_output, rows);
            self.span.in_scope(|| debug_rows(&rows, "rows emitted"));
        }
        result
    }

    /// The call's outcome and rows out, on its span.
    fn record(&self, result: &Result<Rows>) {
        let outcome = match result {
            Ok(rows) if rows.is_empty() => "empty",
            Ok(_) => "ok",
            Err(Error::Panic { .. }) => "panic",
            Err(_) => "error",
        };
        self.span.record("outcome", outcome);
        if let Ok(rows) = result {
            self.span.record("rows_out", rows.len());
        }
    }
}

#[cold]
pub(super) fn handler_error(ctx: &FlowCtx, source: BoxError) -> Error {
    Error::Handler {
        flow: ctx.flow_name().to_owned(),
        function: ctx.function_name().to_owned(),
        source,
    }
}

#[cold]
pub(super) fn panic_error(ctx: &FlowCtx, payload: &(dyn std::any::Any + Send)) -> Error {
    Error::Panic {
        flow: ctx.flow_name().to_owned(),
        function: ctx.function_name().to_owned(),
        message: panic_message(payload),
    }
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
