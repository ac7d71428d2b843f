//! The run of a [`Plan::Chain`](super::Plan::Chain) flow: each call's rows go on to the next
//! function, and a run of plain `fn` handlers is one loop, with no future at all.

use futures::future::BoxFuture;

use super::call::{self, Later, Started};
use super::{Goto, RunState, no_such_stage};
use crate::error::{Error, Result};
use crate::function::Rows;
use crate::function::ctx::FlowCtx;
use crate::metrics::clock::Instant;

/// A run of a [`Plan::Chain`](super::Plan::Chain) flow, as far as it goes without waiting; with
/// the result, the end of its last call while it is timed.
pub(crate) enum Chained<'a> {
    /// The run ended: every call was a plain `fn` handler's.
    Done(Result<()>, Option<Instant>),
    /// The run waits for an `async fn` handler; this future goes on from there to the end.
    Pending(BoxFuture<'a, (Result<()>, Option<Instant>)>),
}

/// Runs a [`Plan::Chain`](super::Plan::Chain) flow over `rows`: each call's rows go on to the
/// next function. Plain `fn` handlers run right here, with no future at all; at the first
/// `async fn` handler, the rest of the run becomes one boxed future. `clock` is when the run
/// began while it is timed.
#[inline]
pub(crate) fn chain(ctxs: &[FlowCtx], rows: Rows, clock: Option<Instant>) -> Chained<'_> {
    let mut run = RunState::new(ctxs, clock, ctxs.len() - 1);
    go_on(&mut run, 0, rows)
}

/// Goes on with `run` at function `at`, with `rows` its input: the rest of a chain's run, or of
/// a typed run (see [`TypedRun`](super::TypedRun)) that reached an `async fn` handler.
#[inline]
pub(crate) fn go_on<'a>(run: &mut RunState<'a>, at: usize, rows: Rows) -> Chained<'a> {
    match chain_from(run, at, rows) {
        Leg::Done(result) => Chained::Done(result, run.clock),
        Leg::Pending(at, later) => {
            let mut run = run.clone();
            Chained::Pending(Box::pin(async move {
                let result = chain_rest(&mut run, at, later).await;
                (result, run.clock)
            }))
        }
    }
}

/// Goes on with `run` after the call of function `at` emitted `out` and took an action: where a
/// typed run hands over, since actions are followed here, in one place.
pub(crate) fn go_on_after<'a>(run: &mut RunState<'a>, at: usize, out: Rows) -> Chained<'a> {
    match after_action(run, at, out) {
        Next::To(to, rows) => go_on(run, to, rows),
        Next::Stop => Chained::Done(Ok(()), run.clock),
        Next::Failed(err) => Chained::Done(Err(*err), run.clock),
    }
}

/// How far [`chain_from`] went.
enum Leg<'a> {
    /// To the run's end.
    Done(Result<()>),
    /// To the call of function `.0`, an `async fn` handler's, under way.
    Pending(usize, Later<'a>),
}

/// Calls the functions of a chain from the one at `at`, with `rows` its input, until the run
/// ends or a handler's call is `async`.
#[inline]
fn chain_from<'a>(run: &mut RunState<'a>, mut at: usize, mut rows: Rows) -> Leg<'a> {
    let ctxs = run.ctxs;
    let quiet = call::quiet();
    while let Some(ctx) = ctxs.get(at) {
        if let Err(err) = run.count() {
            return Leg::Done(Err(err));
        }
        let erased = ctx.erased();
        let started = if quiet {
            call::quick(ctx, erased, rows, &mut run.clock)
        } else {
            call::start(ctx, erased, rows, false, &mut run.clock)
        };
        let out = match started {
            Started::Done(out) => out,
            Started::Failed(err) => {
                // Taken all the same, so a failed call leaves no action behind.
                ctx.take_action();
                return Leg::Done(Err(*err));
            }
            Started::Pending(later) => return Leg::Pending(at, later),
        };
        match after_call(run, at, out) {
            Next::To(to, next) => {
                at = to;
                rows = next;
            }
            Next::Stop => return Leg::Done(Ok(())),
            Next::Failed(err) => return Leg::Done(Err(*err)),
        }
    }
    Leg::Done(Err(no_such_stage(ctxs[0].flow_name(), at)))
}

/// The rest of a chain's run from the `async fn` handler call of function `at`, under way.
async fn chain_rest<'a>(run: &mut RunState<'a>, mut at: usize, mut later: Later<'a>) -> Result<()> {
    loop {
        let result = later.finish(&mut run.clock).await;
        if result.is_err() {
            run.ctxs[at].take_action();
        }
        let (to, rows) = match after_call(run, at, result?) {
            Next::To(to, rows) => (to, rows),
            Next::Stop => return Ok(()),
            Next::Failed(err) => return Err(*err),
        };
        match chain_from(run, to, rows) {
            Leg::Done(result) => return result,
            Leg::Pending(next, pending) => {
                at = next;
                later = pending;
            }
        }
    }
}

/// Where a chain goes after a call.
enum Next {
    /// To this function, with these rows as its input.
    To(usize, Rows),
    /// Nowhere: the run ends, successfully.
    Stop,
    /// Nowhere: the run failed; boxed, so that the common case moves less.
    Failed(Box<Error>),
}

/// Where a chain goes after the call of function `at` emitted `out`, given its action. Keeps the
/// output when the run captures it.
#[allow(
    clippy::inline_always,
    reason = "measured: left out of line it costs W3 about 60 instructions a run"
)]
#[inline(always)]
fn after_call(run: &mut RunState<'_>, at: usize, out: Rows) -> Next {
    // The common case, inline: no action taken and nothing kept, so the rows go on.
    if !run.ctxs[at].has_action() && !run.captures(at) {
        if at + 1 == run.ctxs.len() || out.is_empty() {
            return Next::Stop;
        }
        return Next::To(at + 1, out);
    }
    after_action(run, at, out)
}

/// [`after_call`] when the call took an action or its output is kept.
#[inline(never)]
fn after_action(run: &mut RunState<'_>, at: usize, mut out: Rows) -> Next {
    let ctx = &run.ctxs[at];
    let action = ctx.take_action();
    if run.captures(at) {
        out = match run.capture(at, ctx.erased().encode_output, out) {
            Ok(out) => out,
            Err(err) => return Next::Failed(Box::new(err)),
        };
    }
    match run.after(at, action, out, None) {
        Goto::Stop => Next::Stop,
        Goto::To(to, next) => Next::To(to, next.unwrap_or_else(Rows::empty)),
    }
}
