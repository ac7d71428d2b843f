//! Branching flows, `flow!(Name: a -> b -> [c -> d, e])`: the trunk runs, then each branch in
//! turn on its own copy of what the trunk's last function emitted.
//!
//! The functions stay one flat table, the trunk first and then each branch, so contexts, metrics
//! and connectors work as for a chain; `branches` holds the index where each branch starts.

use tracing::Instrument;

use super::{Lane, RunState, segment};
use crate::error::{Error, Result};
use crate::function::ctx::FlowCtx;

/// The function whose rows `run_collect` and `run_json` give back: the last one of the first
/// branch, or of the chain when there are no branches.
pub(crate) fn output_at(functions: usize, branches: &[usize]) -> usize {
    branches
        .get(1)
        .copied()
        .unwrap_or(functions)
        .saturating_sub(1)
}

/// Runs the trunk (the functions before `branches[0]`), then each branch in declaration order.
/// A trunk that stops (it emitted nothing, or aborted) runs no branch; a branch that stops ends
/// only itself; an error anywhere ends the run, so later branches do not run.
pub(crate) async fn run_branches(
    run: &mut RunState<'_>,
    lane: &mut Lane,
    branches: &[usize],
) -> Result<()> {
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
