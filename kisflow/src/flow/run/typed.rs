//! [`TypedRun`]: the run of a `flow!` chain over its rows as they are typed. `flow!` writes, for
//! each chain, one small straight-line function that calls [`TypedRun::first`], then
//! [`TypedRun::then`] per function, with each function's own typed handler ([`PlainFn`]), so a
//! row per run costs what the calls cost by hand: no batch is boxed, no row type is looked up.
//! Everything else a run can meet (an action, an `async fn` handler) hands over to the erased
//! chain loop, which follows it exactly as in any other run.
//!
//! The glue is kept to calls alone, with every branch in here, compiled once per pair of row
//! types, because it is compiled once per flow: its size is what each `flow!` costs a build.

use std::sync::atomic::Ordering;

use futures::future::BoxFuture;

use super::call::{Panicked, handler_error, panic_error};
use super::chain::{go_on, go_on_after};
use super::{Chained, RunState, no_such_stage};
use crate::error::{BoxError, Error};
use crate::function::ctx::{Capture, FlowCtx};
use crate::function::{PlainFn, Row, Rows};
use crate::metrics::clock::{Clock, Instant};

/// The typed run of a flow whose first function takes `In` rows, as `flow!` writes it for a
/// chain.
pub type TypedFn<In> = for<'a> fn(&mut TypedRun<'a>, Vec<In>) -> Ended<'a>;

/// Where a typed run is after a call: the rows on their way to the next function, or its end.
pub type Step<'a, T> = Result<Vec<T>, Ended<'a>>;

/// `rows` as rows of type `In`, which they are: `flow!` checks each edge (`FeedsInto`), so `T` is
/// `In`. Checked here by type id rather than asked of the compiler as a bound, which would add
/// a second error to a mismatch or a sink in the middle; an optimised build folds it away.
/// Taken out of the `Vec` through `downcast_mut`, which the erased rows compile for each row type
/// already, so this adds no code of its own per row type but itself.
#[inline]
fn same_rows<T: Row, In: Row>(mut rows: Vec<T>) -> Option<Vec<In>> {
    let rows: &mut dyn std::any::Any = &mut rows;
    match rows.downcast_mut::<Vec<In>>() {
        Some(rows) => Some(std::mem::take(rows)),
        None => None,
    }
}

/// A run of a `flow!` chain through its functions' typed handlers; see the module.
#[doc(hidden)]
pub struct TypedRun<'a> {
    ctxs: &'a [FlowCtx],
    /// When the last call ended (or the run began), while metrics are recorded, as
    /// [`RunState`]'s.
    clock: Option<Instant>,
    /// The function called last, which a panic caught around the whole run names.
    at: usize,
    /// When that call started, while metrics are recorded.
    started: Option<Instant>,
    /// The clock, while metrics are recorded.
    timer: Option<Clock>,
}

/// How a [`TypedRun`] ended; opaque outside kisflow.
#[doc(hidden)]
pub struct Ended<'a>(pub(crate) End<'a>);

/// How a [`TypedRun`] ended: small, so that the common end moves next to nothing.
pub(crate) enum End<'a> {
    /// Every call returned; the run ended, successfully.
    Ran,
    /// A call failed, or the erased loop the run handed over to ended with this error.
    Failed(Box<Error>),
    /// The run handed over to the erased loop, which waits for an `async fn` handler; this goes
    /// on from there to the end.
    Pending(BoxFuture<'a, (crate::Result<()>, Option<Instant>)>),
}

impl<'a> TypedRun<'a> {
    /// Whether a run over `ctxs` may go typed: it keeps no output, and its step limit lets each
    /// function be called once, all a chain without jumps calls (the erased loop says where a
    /// lower limit is reached).
    #[inline]
    pub(crate) fn fits(ctxs: &[FlowCtx]) -> bool {
        ctxs.first().is_some_and(|ctx| {
            let shared = ctx.shared();
            shared.capture.load(Ordering::Relaxed) == Capture::Nothing as u8
                && shared.step_limit.load(Ordering::Relaxed) >= ctxs.len()
        })
    }

    /// A typed run over `ctxs`, timed by `timer` while metrics are recorded: it begins now.
    #[inline]
    pub(crate) fn new(ctxs: &'a [FlowCtx], timer: Option<Clock>) -> Self {
        Self {
            ctxs,
            clock: timer.map(Clock::now),
            at: 0,
            started: None,
            timer,
        }
    }

    /// When the last call ended, while metrics are recorded: when the run began, until its first
    /// call ended; the run's end, once it ended.
    pub(crate) fn clock(&self) -> Option<Instant> {
        self.clock
    }

    /// Calls the first function (`plain`, its typed handler) on the run's `rows`.
    #[inline]
    pub fn first<In: Row, Out: Row>(
        &mut self,
        rows: Vec<In>,
        plain: Option<PlainFn<In, Out>>,
    ) -> Step<'a, Out> {
        self.call(0, rows, plain)
    }

    /// Calls function `at` (`plain`, its typed handler) on what the one before emitted, when
    /// the run is still under way: the rows go over unchanged, as `flow!` checks each edge where
    /// it writes this call. The run ends at a call that emits no rows (as a chain does), and goes
    /// on in the erased loop when a call takes an action or the handler is an `async fn`.
    #[inline]
    pub fn then<T: Row, In: Row, Out: Row>(
        &mut self,
        at: usize,
        step: Step<'a, T>,
        plain: Option<PlainFn<In, Out>>,
    ) -> Step<'a, Out> {
        #[allow(
            clippy::question_mark,
            reason = "`?` compiles `Try` per pair of row types in debug"
        )]
        let rows = match step {
            Ok(rows) => rows,
            Err(ended) => return Err(ended),
        };
        let Some(rows) = same_rows::<T, In>(rows) else {
            return Err(self.not_its_rows(at));
        };
        if rows.is_empty() {
            return Err(Ended(End::Ran));
        }
        self.call(at, rows, plain)
    }

    /// The run's end, after its last call or where it ended before.
    #[inline]
    #[must_use]
    pub fn end<T>(step: Step<'a, T>) -> Ended<'a> {
        match step {
            Ok(_) => Ended(End::Ran),
            Err(ended) => ended,
        }
    }

    /// One call of function `at`, timed while metrics are recorded, as the erased loop's plain
    /// calls are. Not guarded here: the whole run is (see [`caught`](Self::caught)). What does
    /// not depend on the row types is in `begin` and `went_on`, compiled once rather than per pair
    /// of row types.
    #[inline]
    fn call<In: Row, Out: Row>(
        &mut self,
        at: usize,
        rows: Vec<In>,
        plain: Option<PlainFn<In, Out>>,
    ) -> Step<'a, Out> {
        let Some(plain) = plain else {
            // An `async fn` handler: the erased loop drives it, and the rest of the run.
            return Err(self.hand_over(at, None, Rows::new(rows)));
        };
        #[allow(
            clippy::question_mark,
            reason = "`?` compiles `Try` per pair of row types in debug"
        )]
        let ctx = match self.begin(at, rows.len()) {
            Ok(ctx) => ctx,
            Err(ended) => return Err(ended),
        };
        match plain.call(ctx, rows) {
            Ok(out) => {
                if self.went_on(ctx, out.len()) {
                    return Err(self.hand_over(at + 1, Some(at), Rows::new(out)));
                }
                Ok(out)
            }
            Err(source) => Err(self.failed(ctx, Ok(source))),
        }
    }

    /// The call of function `at` on `rows` rows begins: its context, or the run's end when there
    /// is no such function.
    #[inline]
    fn begin(&mut self, at: usize, rows: usize) -> Result<&'a FlowCtx, Ended<'a>> {
        let ctxs = self.ctxs;
        let Some(ctx) = ctxs.get(at) else {
            return Err(self.no_such_stage(at));
        };
        self.at = at;
        self.start(ctx, rows);
        Ok(ctx)
    }

    /// The call of `ctx`'s function returned `rows` rows: whether it took an action, which hands
    /// the rest of the run to the erased loop.
    #[inline]
    fn went_on(&mut self, ctx: &FlowCtx, rows: usize) -> bool {
        self.returned(ctx, Some(rows));
        ctx.has_action()
    }

    /// A call of `ctx`'s function on `rows` rows starts: counted, and timed while metrics are
    /// recorded, from the last call's end.
    #[allow(
        clippy::inline_always,
        reason = "measured: left out of line, as LLVM chose, it cost W3 about 50 instructions a run"
    )]
    // Always inlined where the build optimises; a debug build inlines `inline(always)` too, into
    // each pair of row types' `call`, for nothing.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn start(&mut self, ctx: &FlowCtx, rows: usize) {
        self.started = ctx.metrics().map(|metrics| {
            metrics.called(rows);
            self.clock
                .unwrap_or_else(|| self.timer.map_or_else(Instant::now, Clock::now))
        });
    }

    /// The call of `ctx`'s function ended with `rows` rows, or `None` for an error.
    #[allow(
        clippy::inline_always,
        reason = "measured: left out of line, as LLVM chose, it cost W3 about 50 instructions a run"
    )]
    // Always inlined where the build optimises; a debug build inlines `inline(always)` too, into
    // each pair of row types' `call`, for nothing.
    #[cfg_attr(not(debug_assertions), inline(always))]
    #[cfg_attr(debug_assertions, inline)]
    fn returned(&mut self, ctx: &FlowCtx, rows: Option<usize>) {
        if let (Some(metrics), Some(started)) = (ctx.metrics(), self.started) {
            let ended = self.timer.map_or_else(Instant::now, Clock::now);
            metrics.returned(ended - started, rows);
            self.clock = Some(ended);
        }
    }

    /// The end of a run whose call of the function at [`at`](Self::at) panicked with `payload`,
    /// caught around the whole run: the call's metrics and its error, as for a failed call.
    #[cold]
    pub(crate) fn caught(&mut self, payload: Panicked) -> Ended<'a> {
        let Some(ctx) = self.ctxs.get(self.at) else {
            return Ended(End::Failed(Box::new(panic_error(
                &self.ctxs[0],
                payload.as_ref(),
            ))));
        };
        self.failed(ctx, Err(payload))
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
                Ended(result.map_or_else(|err| End::Failed(Box::new(err)), |()| End::Ran))
            }
            Chained::Pending(rest) => Ended(End::Pending(rest)),
        }
    }

    /// Ends the run with the call of `ctx`'s function that returned an error (`Ok`) or panicked
    /// (`Err`): its metrics, and its error named with the flow and function, as the erased loop
    /// ends it.
    #[cold]
    #[inline(never)]
    fn failed(&mut self, ctx: &FlowCtx, failure: Result<BoxError, Panicked>) -> Ended<'a> {
        let err = match failure {
            Ok(source) => handler_error(ctx, source),
            Err(payload) => panic_error(ctx, payload.as_ref()),
        };
        self.returned(ctx, None);
        // Taken all the same, so a failed call leaves no action behind.
        ctx.take_action();
        Ended(End::Failed(Box::new(err)))
    }

    /// The end of a run whose rows reached function `at` of another type than it takes, which
    /// `flow!`'s checks rule out.
    #[cold]
    fn not_its_rows(&self, at: usize) -> Ended<'a> {
        Ended(End::Failed(Box::new(Error::Internal {
            flow: self.ctxs[0].flow_name().to_owned(),
            detail: format!("rows of another type than it takes reached function {at}"),
        })))
    }

    #[cold]
    fn no_such_stage(&self, at: usize) -> Ended<'a> {
        Ended(End::Failed(Box::new(no_such_stage(
            self.ctxs[0].flow_name(),
            at,
        ))))
    }
}
