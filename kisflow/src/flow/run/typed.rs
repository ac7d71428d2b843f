//! [`TypedRun`]: the run of a `flow!` chain over its rows as they are typed. `flow!` writes, for
//! each chain, one small function that calls [`TypedRun::step`] per function with the next
//! function's own typed handler ([`PlainFn`]), so a row per run costs what the calls cost by
//! hand: no batch is boxed, no row type is looked up, no call goes through a pointer. Everything
//! else a run can meet (an action, an `async fn` handler) hands over to the erased chain loop,
//! which follows it exactly as in any other run.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;

use futures::future::BoxFuture;

use super::call::{Panicked, handler_error, panic_error};
use super::chain::{go_on, go_on_after};
use super::{Chained, RunState, no_such_stage};
use crate::error::{BoxError, Error};
use crate::function::ctx::{Capture, FlowCtx};
use crate::function::{PlainFn, Row, Rows};
use crate::metrics::clock::Instant;

/// The typed run of a flow whose first function takes `In` rows, as `flow!` writes it for a
/// chain: [`TypedRun::step`] for each function but the last, then [`TypedRun::last`].
pub type TypedFn<In> = for<'a> fn(&mut TypedRun<'a>, Vec<In>) -> Ended<'a>;

/// A run of a `flow!` chain through its functions' typed handlers; see the module.
#[doc(hidden)]
pub struct TypedRun<'a> {
    ctxs: &'a [FlowCtx],
    /// When the last call ended (or the run began), while metrics are recorded, as
    /// [`RunState`]'s.
    clock: Option<Instant>,
}

/// How a [`TypedRun`] ended: small, so that the common end moves next to nothing.
#[doc(hidden)]
pub enum Ended<'a> {
    /// Every call returned; the run ended, successfully.
    Ran,
    /// A call failed, or the erased loop the run handed over to ended with this error.
    Failed(Box<Error>),
    /// The run handed over to the erased loop, which waits for an `async fn` handler; this goes
    /// on from there to the end.
    Pending(BoxFuture<'a, (crate::Result<()>, Option<Instant>)>),
}

impl<'a> TypedRun<'a> {
    /// A typed run over `ctxs`; `None` when this run must take the erased loop: it keeps its
    /// output, or its step limit is below the number of functions (the erased loop says where it
    /// was reached).
    #[inline]
    pub(crate) fn new(ctxs: &'a [FlowCtx]) -> Option<Self> {
        let shared = ctxs.first()?.shared();
        let keeps = shared.capture.load(Ordering::Relaxed) != Capture::Nothing as u8;
        let limited = shared.step_limit.load(Ordering::Relaxed) < ctxs.len();
        (!keeps && !limited).then_some(Self { ctxs, clock: None })
    }

    /// Notes when the run began, while metrics are recorded: its first call starts then.
    pub(crate) fn began(&mut self, clock: Option<Instant>) {
        self.clock = clock;
    }

    /// When the last call ended, while metrics are recorded: the run's end, once it ended.
    pub(crate) fn clock(&self) -> Option<Instant> {
        self.clock
    }

    /// Calls function `at` (`plain`, its typed handler) on `rows`, and hands its rows on; the run
    /// ends here when they are none (as a chain does), or goes on in the erased loop, given back
    /// as the error, when the call failed or took an action, or the handler is an `async fn`.
    #[inline]
    pub fn step<In: Row, Out: Row>(
        &mut self,
        at: usize,
        rows: Vec<In>,
        plain: Option<PlainFn<In, Out>>,
    ) -> Result<Vec<Out>, Ended<'a>> {
        let out = self.call(at, rows, plain)?;
        if out.is_empty() {
            return Err(Ended::Ran);
        }
        Ok(out)
    }

    /// [`step`](Self::step) for the last function: the run ends with its call.
    #[inline]
    pub fn last<In: Row, Out: Row>(
        &mut self,
        at: usize,
        rows: Vec<In>,
        plain: Option<PlainFn<In, Out>>,
    ) -> Ended<'a> {
        match self.call(at, rows, plain) {
            Ok(_) => Ended::Ran,
            Err(ended) => ended,
        }
    }

    /// One call of function `at`, guarded against panics and timed while metrics are recorded, as
    /// the erased loop's plain calls are.
    #[inline]
    fn call<In: Row, Out: Row>(
        &mut self,
        at: usize,
        rows: Vec<In>,
        plain: Option<PlainFn<In, Out>>,
    ) -> Result<Vec<Out>, Ended<'a>> {
        let ctxs = self.ctxs;
        let Some(ctx) = ctxs.get(at) else {
            return Err(Ended::Failed(Box::new(no_such_stage(
                ctxs[0].flow_name(),
                at,
            ))));
        };
        let Some(plain) = plain else {
            // An `async fn` handler: the erased loop drives it, and the rest of the run.
            return Err(self.hand_over(at, None, Rows::new(rows)));
        };
        let metrics = ctx.metrics();
        let started = metrics.map(|m| {
            m.called(rows.len());
            self.clock.unwrap_or_else(Instant::now)
        });
        match std::panic::catch_unwind(AssertUnwindSafe(|| plain(ctx, rows))) {
            Ok(Ok(out)) => {
                if let (Some(metrics), Some(started)) = (metrics, started) {
                    let ended = Instant::now();
                    metrics.returned(ended - started, Some(out.len()));
                    self.clock = Some(ended);
                }
                if ctx.has_action() {
                    return Err(self.hand_over(at + 1, Some(at), Rows::new(out)));
                }
                Ok(out)
            }
            Ok(Err(source)) => Err(self.failed(ctx, started, Ok(source))),
            Err(payload) => Err(self.failed(ctx, started, Err(payload))),
        }
    }

    /// Goes on in the erased loop after `calls` calls: after function `after`'s call, which
    /// emitted `rows` and took an action, or else at function `calls`, with `rows` its input.
    #[cold]
    #[inline(never)]
    fn hand_over(&mut self, calls: usize, after: Option<usize>, rows: Rows) -> Ended<'a> {
        let mut run = RunState::new(self.ctxs, self.clock, self.ctxs.len() - 1);
        run.made(calls);
        let chained = match after {
            Some(at) => go_on_after(&mut run, at, rows),
            None => go_on(&mut run, calls, rows),
        };
        match chained {
            Chained::Done(result, clock) => {
                self.clock = clock;
                result.map_or_else(|err| Ended::Failed(Box::new(err)), |()| Ended::Ran)
            }
            Chained::Pending(rest) => Ended::Pending(rest),
        }
    }

    /// Ends the run with the call of `ctx`'s function, begun at `started`, that returned an
    /// error (`Ok`) or panicked (`Err`): its metrics, and its error named with the flow and
    /// function, as the erased loop ends it.
    #[cold]
    #[inline(never)]
    fn failed(
        &mut self,
        ctx: &FlowCtx,
        started: Option<Instant>,
        failure: Result<BoxError, Panicked>,
    ) -> Ended<'a> {
        let err = match failure {
            Ok(source) => handler_error(ctx, source),
            Err(payload) => panic_error(ctx, payload.as_ref()),
        };
        if let (Some(metrics), Some(started)) = (ctx.metrics(), started) {
            let ended = Instant::now();
            metrics.returned(ended - started, None);
            self.clock = Some(ended);
        }
        // Taken all the same, so a failed call leaves no action behind.
        ctx.take_action();
        Ended::Failed(Box::new(err))
    }
}
