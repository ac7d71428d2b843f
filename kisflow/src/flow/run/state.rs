//! [`RunState`]: one run's bookkeeping, and where the run goes after each call.

use super::log_action;
use crate::action::{ABORT, DATA_REUSE, FORCE_ENTRY_NEXT, Taken};
use crate::error::{Error, Result};
use crate::function::ctx::{Capture, FlowCtx};
use crate::function::{EncodeFn, Rows};
use crate::metrics::clock::Instant;

/// Where the run goes after a call.
#[derive(Debug)]
pub(crate) enum Goto {
    /// The run ends, successfully.
    Stop,
    /// Continue at this function; the rows, if any, are the next function's input.
    To(usize, Option<Rows>),
}

/// One run's bookkeeping: its contexts, how many calls it made and its last jump.
#[derive(Debug, Clone)]
pub(crate) struct RunState<'a> {
    pub(crate) ctxs: &'a [FlowCtx],
    /// Whether what the output function emits is kept, and how.
    capture: Capture,
    /// The function whose rows are kept: the last one, or the first branch's last one.
    output_at: usize,
    /// When the last call ended (or the run began), while metrics are recorded: one clock read
    /// marks both the end of a call and the start of the next, and the last one the run's end.
    pub(crate) clock: Option<Instant>,
    steps: usize,
    limit: usize,
    last_jump: Option<(usize, usize)>,
}

impl<'a> RunState<'a> {
    /// A run over `ctxs`, one per function, with the flow's step limit; `clock` is when it began
    /// while it records metrics, so its calls are timed. `output_at` is the function whose rows
    /// a run that captures keeps.
    #[must_use]
    pub(crate) fn new(ctxs: &'a [FlowCtx], clock: Option<Instant>, output_at: usize) -> Self {
        let limit = ctxs.first().map_or(usize::MAX, |ctx| {
            ctx.shared()
                .step_limit
                .load(std::sync::atomic::Ordering::Relaxed)
        });
        let capture = ctxs.first().map_or(Capture::Nothing, |ctx| {
            Capture::from_byte(
                ctx.shared()
                    .capture
                    .load(std::sync::atomic::Ordering::Relaxed),
            )
        });
        Self {
            ctxs,
            capture,
            output_at,
            clock,
            steps: 0,
            limit,
            last_jump: None,
        }
    }

    /// Notes that `calls` calls were made, by a typed run handing over to the erased loop.
    pub(crate) fn made(&mut self, calls: usize) {
        self.steps = calls;
    }

    /// Counts one call, or ends the run when the step limit is reached.
    #[inline]
    pub(crate) fn count(&mut self) -> Result<()> {
        self.steps += 1;
        if self.steps <= self.limit {
            return Ok(());
        }
        Err(self.limit_reached())
    }

    /// The error of a run that reached its step limit, naming the last jump's loop.
    #[cold]
    fn limit_reached(&self) -> Error {
        let name = |index: usize| self.ctxs[index].function_name();
        let cycle = match self.last_jump {
            Some((from, to)) if to <= from => {
                let mut names: Vec<&str> = (to..=from).map(name).collect();
                names.push(name(to));
                names.join(" -> ")
            }
            _ => "no jump back: the limit is lower than the number of functions".to_owned(),
        };
        Error::StepLimit {
            flow: self.ctxs[0].flow_name().to_owned(),
            limit: self.limit,
            cycle,
        }
    }

    /// Whether the output of function `index` is to be kept: it is the output function of a run
    /// that captures its output.
    #[inline]
    pub(crate) fn captures(&self, index: usize) -> bool {
        self.capture != Capture::Nothing && index == self.output_at
    }

    /// Keeps `out`, the last function's output: typed, or encoded as JSON by `encode` (`None`:
    /// its rows are not `Serialize`). Gives back what the run goes on with: `out` itself, or an
    /// empty batch once `out` is kept, since nothing follows the last function.
    pub(crate) fn capture(
        &self,
        index: usize,
        encode: Option<EncodeFn>,
        out: Rows,
    ) -> Result<Rows> {
        let ctx = &self.ctxs[index];
        if self.capture == Capture::Rows {
            let shared = ctx.shared();
            let mut kept = shared
                .kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            kept.push(out);
            return Ok(Rows::new(Vec::<()>::new()));
        }
        if ctx.function().output().is_none() {
            return Ok(out); // a sink emits nothing to print
        }
        let rows = match encode.and_then(|encode| encode(&out)) {
            Some(Ok(rows)) => rows,
            Some(Err(err)) => {
                return Err(Error::Encode {
                    flow: ctx.flow_name().to_owned(),
                    function: ctx.function_name().to_owned(),
                    reason: format!(
                        "the rows function `{}` emitted do not encode as JSON: {err}",
                        ctx.function_name()
                    ),
                });
            }
            None => {
                let function = ctx.function();
                return Err(Error::Encode {
                    flow: ctx.flow_name().to_owned(),
                    function: function.name().to_owned(),
                    reason: format!(
                        "function `{}` emits `{}` rows, which are not `Serialize`; derive \
                         `serde::Serialize` for them to print them as JSON",
                        function.name(),
                        function.output().map_or("()", |t| t.name())
                    ),
                });
            }
        };
        ctx.shared()
            .captured
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(rows);
        Ok(out)
    }

    /// Where to go after function `index` emitted `out`, given the action it took.
    #[inline]
    pub(crate) fn after(
        &mut self,
        index: usize,
        action: Taken,
        out: Rows,
        reusable: Option<Rows>,
    ) -> Goto {
        if action == Taken::default() {
            // The common case: no action, so the rows go on to the next function.
            if index + 1 == self.ctxs.len() || out.is_empty() {
                return Goto::Stop;
            }
            return Goto::To(index + 1, Some(out));
        }
        log_action(&self.ctxs[index], action);
        if action.has(ABORT) {
            return Goto::Stop;
        }
        let rows = match reusable {
            Some(input) if action.has(DATA_REUSE) => input,
            _ => out,
        };
        let last = index + 1 == self.ctxs.len();
        if let Some(target) = action.jump {
            self.last_jump = Some((index, target));
            return Goto::To(target, (!last).then_some(rows));
        }
        if last || (rows.is_empty() && !action.has(FORCE_ENTRY_NEXT)) {
            return Goto::Stop;
        }
        Goto::To(index + 1, Some(rows))
    }
}
