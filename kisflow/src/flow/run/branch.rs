//! Branching flows, `flow!(Name: a -> b -> [c -> d, e])`: the trunk runs, then each branch in
//! turn on its own copy of what the trunk's last function emitted.
//!
//! The functions stay one flat table, the trunk first and then each branch, so contexts, metrics
//! and connectors work as for a chain; `branches` holds the index where each branch starts.

use tracing::Instrument;

use super::{Goto, RunState, no_such_stage, step};
use crate::error::{Error, Result};
use crate::function::Rows;
use crate::function::ctx::FlowCtx;
use crate::metrics::clock::Instant;

/// The function whose rows `run_collect` and `run_json` give back: the last one of the first
/// branch, or of the chain when there are no branches.
pub(crate) fn output_at(functions: usize, branches: &[usize]) -> usize {
    branches
        .get(1)
        .copied()
        .unwrap_or(functions)
        .saturating_sub(1)
}

/// One run over `rows`: the trunk (the functions before `branches[0]`), then each branch in
/// declaration order. A trunk that stops (it emitted nothing, or aborted) runs no branch; a branch
/// that stops ends only itself; an error anywhere ends the run, so later branches do not run.
pub(crate) async fn run(
    ctxs: &[FlowCtx],
    branches: &[usize],
    rows: Rows,
    clock: &mut Option<Instant>,
) -> Result<()> {
    let jumps = ctxs.iter().any(|ctx| ctx.function().actions().jump());
    let lane = &mut Lane::new(ctxs.len(), jumps, rows);
    let run = &mut RunState::new(ctxs, *clock, output_at(ctxs.len(), branches));
    let result = branches_of(run, lane, branches).await;
    *clock = run.clock;
    result
}

/// The trunk, then each branch, of the run `run` over the rows in `lane`.
async fn branches_of(run: &mut RunState<'_>, lane: &mut Lane, branches: &[usize]) -> Result<()> {
    let ctxs = run.ctxs;
    let Some(rows) = segment(run, lane, 0..branches[0]).await? else {
        return Ok(());
    };
    let mut rows = Some(rows);
    for (number, &start) in branches.iter().enumerate() {
        let end = branches.get(number + 1).copied().unwrap_or(ctxs.len());
        // Every branch but the last gets a copy; the last one takes the rows themselves.
        let input = if number + 1 == branches.len() {
            rows.take()
        } else {
            let copy = ctxs[start].erased().clone_input;
            rows.as_ref()
                .and_then(|rows| copy.and_then(|copy| copy(rows)))
        };
        let Some(input) = input else {
            return Err(not_clone(ctxs, start));
        };
        lane.put(start, input);
        let span = tracing::info_span!(
            "kisflow_branch",
            branch = number + 1,
            first = ctxs[start].function_name(),
        );
        segment(run, lane, start..end).instrument(span).await?;
    }
    Ok(())
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

/// The error of a jump, from the function at `index`, to a function of another branch (or from
/// the trunk into a branch): a jump stays within its chain, so that no branch runs twice.
#[cold]
pub(crate) fn jump_out(ctxs: &[FlowCtx], index: usize, target: usize) -> Error {
    Error::Action {
        flow: ctxs[index].flow_name().to_owned(),
        function: ctxs[index].function_name().to_owned(),
        reason: format!(
            "jumps to `{}`, which is in another branch of this flow; a jump stays within the \
             trunk or the branch of the function that jumps",
            ctxs[target].function_name()
        ),
    }
}

/// A branch point whose rows cannot be copied, which `flow!` rules out at compile time.
#[cold]
fn not_clone(ctxs: &[FlowCtx], start: usize) -> Error {
    Error::Internal {
        flow: ctxs[start].flow_name().to_owned(),
        detail: format!(
            "the rows of the branch point are not `Clone`, so branch `{}` cannot get its copy",
            ctxs[start].function_name()
        ),
    }
}
