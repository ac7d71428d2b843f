//! The run loop every flow shares: one [`step`] per function call, and the action taken after it.
//!
//! Rows move between functions as [`Rows`]: a typed `Vec` behind one box per batch. The loop is
//! thus compiled once, here, instead of once per `flow!`; a flow costs its crate a table of its
//! functions and nothing else. The compiler has checked a `flow!`'s edges and the registry a
//! composed flow's, so the erased calls always find the row type they expect.

mod branch;
mod call;
mod state;

use call::log_action;
pub(crate) use call::{call, debug_enabled, debug_rows, log_retry, no_such_stage};
pub(crate) use state::{Goto, RunState};

use crate::error::{Error, Result};
use crate::function::ctx::FlowCtx;
use crate::function::{FmtFn, Rows};

/// One run over `rows`, the source rows of the first of `ctxs`' functions; `timed` when the flow
/// records metrics. `branches` are where the branches of a branching flow start (see
/// [`branch`]); empty for a chain.
pub(crate) async fn run(
    ctxs: &[FlowCtx],
    branches: &[usize],
    rows: Rows,
    timed: bool,
) -> Result<()> {
    let jumps = ctxs.iter().any(|ctx| ctx.function().actions().jump());
    let mut lane = Lane::new(ctxs.len(), jumps, rows);
    let mut run = RunState::new(ctxs, timed, branch::output_at(ctxs.len(), branches));
    if branches.is_empty() {
        return match segment(&mut run, &mut lane, 0..ctxs.len()).await? {
            None => Ok(()),
            Some(_) => Err(no_such_stage(ctxs[0].flow_name(), ctxs.len())),
        };
    }
    branch::run_branches(&mut run, &mut lane, branches).await
}

/// Where a segment's input waits: in hand, or, when the flow may `jump`, in each function's own
/// layer, for a jump back to read again. A flow that does not jump allocates no layers.
struct Lane {
    jumps: bool,
    hand: Option<Rows>,
    layers: Vec<Option<Rows>>,
}

impl Lane {
    fn new(functions: usize, jumps: bool, rows: Rows) -> Self {
        let mut lane = Self {
            jumps,
            hand: Some(rows),
            layers: Vec::new(),
        };
        if jumps {
            lane.layers = (0..functions).map(|_| None).collect();
            lane.layers[0] = lane.hand.take();
        }
        lane
    }

    /// Puts `rows` where the function at `index` reads its input.
    fn put(&mut self, index: usize, rows: Rows) {
        if self.jumps {
            self.layers[index] = Some(rows);
        } else {
            self.hand = Some(rows);
        }
    }

    /// Takes what was left for the function at `index`.
    fn take(&mut self, index: usize) -> Option<Rows> {
        if self.jumps {
            self.layers.get_mut(index).and_then(Option::take)
        } else {
            self.hand.take()
        }
    }
}

/// Runs the functions of `range` (a chain, the trunk or a branch) from its first. `Some(rows)`
/// when the run went past its last function with rows (what a branch point hands its
/// branches), `None` when it stopped: the flow's last function ran, one emitted nothing, or one
/// aborted.
async fn segment(
    run: &mut RunState<'_>,
    lane: &mut Lane,
    range: std::ops::Range<usize>,
) -> Result<Option<Rows>> {
    let mut at = range.start;
    while at < range.end {
        let layer = if lane.jumps {
            &mut lane.layers[at]
        } else {
            &mut lane.hand
        };
        match step(run, at, layer, lane.jumps, &range).await? {
            Goto::Stop => return Ok(None),
            Goto::To(to, rows) if lane.jumps => {
                if let (Some(rows), Some(next)) = (rows, lane.layers.get_mut(at + 1)) {
                    *next = Some(rows);
                }
                at = to;
            }
            Goto::To(to, rows) => {
                lane.hand = rows;
                at = to;
            }
        }
    }
    if at != range.end {
        return Err(no_such_stage(run.ctxs[0].flow_name(), at));
    }
    Ok(lane.take(range.end))
}

/// Calls the `index`th function on its input `layer` (empty when its predecessor has not emitted
/// in this run), and decides where the run goes next. When the flow may `jump`, the input stays
/// in its layer for a jump back to read again.
async fn step(
    run: &mut RunState<'_>,
    index: usize,
    layer: &mut Option<Rows>,
    jumps: bool,
    range: &std::ops::Range<usize>,
) -> Result<Goto> {
    run.count()?;
    let ctxs = run.ctxs;
    let ctx = &ctxs[index];
    let erased = ctx.erased();
    let mut input = layer.take().unwrap_or_else(erased.empty_input);
    if jumps {
        *layer = erased.clone_input.and_then(|copy| copy(&input));
    }
    let reusable = erased.reusable.and_then(|copy| copy(&input));
    let retry = ctx.retry();
    let mut retries = 0;
    let result = loop {
        // A copy for the next attempt, made only while retries are left.
        let spare = (retries < retry.times)
            .then(|| erased.clone_input.and_then(|copy| copy(&input)))
            .flatten();
        match (
            call(ctx, erased, input, retries > 0, &mut run.clock).await,
            spare,
        ) {
            (Err(err), Some(spare)) if !matches!(err, Error::Panic { .. }) => {
                retries += 1;
                ctx.take_action();
                log_retry(ctx, &err, retries, retry.times);
                input = spare;
            }
            (result, _) => break result,
        }
    };
    // Taken whatever the outcome, so a failed call leaves no action behind.
    let action = ctx.take_action();
    let mut out = result?;
    if let Some(target) = action.jump.filter(|target| !range.contains(target)) {
        return Err(branch::jump_out(ctxs, index, target));
    }
    if run.captures(index) {
        out = run.capture(index, erased.encode_output, out)?;
    }
    Ok(run.after(index, action, out, reusable))
}

/// Rows written by an erased `Debug` hook, for debug logs.
pub(crate) struct RowsText<'a>(pub(crate) FmtFn, pub(crate) &'a Rows);

impl std::fmt::Display for RowsText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (self.0)(self.1, f)
    }
}
