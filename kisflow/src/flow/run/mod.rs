//! The run loops every flow shares, as its [`Plan`] says: a chain's ([`chain()`]), and the general
//! one, with one [`step`] per function call and the action taken after it.
//!
//! Rows move between functions as [`Rows`]: a typed `Vec`, erased (see there). The loop is
//! thus compiled once, here, instead of once per `flow!`; a flow costs its crate a table of its
//! functions, and a `flow!` chain one small typed function besides ([`TypedRun`], which hands
//! over to these loops whenever a run needs more than plain calls). The compiler has checked a
//! `flow!`'s edges and the registry a composed flow's, so the erased calls always find the row
//! type they expect.

mod branch;
mod call;
mod chain;
mod log;
mod plan;
mod state;
mod typed;

pub(crate) use call::{call, no_such_stage, quiet};
pub(crate) use chain::{Chained, chain};
use log::log_action;
pub(crate) use log::{debug_enabled, debug_rows, log_retry};
pub(crate) use plan::Plan;
pub(crate) use state::{Goto, RunState};
pub(crate) use typed::End;
pub use typed::{Ended, Step, TypedFn, TypedRun};

use crate::error::{Error, Result};
use crate::function::ctx::FlowCtx;
use crate::function::{FmtFn, Rows};
use crate::metrics::clock::Instant;

/// One run over `rows`, the source rows of the first of `ctxs`' functions, as `plan` says.
/// `branches` are where the branches of a branching flow start (see [`branch`]); empty for a
/// chain. `clock` is when the run began while the flow records metrics; the run moves it to the
/// end of its last call.
pub(crate) async fn run(
    ctxs: &[FlowCtx],
    plan: Plan,
    branches: &[usize],
    rows: Rows,
    clock: &mut Option<Instant>,
) -> Result<()> {
    let (result, ended) = match plan {
        Plan::Chain => match chain(ctxs, rows, *clock) {
            Chained::Done(result, ended) => (result, ended),
            Chained::Pending(rest) => rest.await,
        },
        // Boxed: a plain chain's run, the common case, does not carry their state.
        Plan::General if branches.is_empty() => return Box::pin(general(ctxs, rows, clock)).await,
        Plan::General => return Box::pin(branch::run(ctxs, branches, rows, clock)).await,
    };
    *clock = ended;
    result
}

/// A run of a [`Plan::General`] chain: jumps, data reuse and retries.
async fn general(ctxs: &[FlowCtx], rows: Rows, clock: &mut Option<Instant>) -> Result<()> {
    let mut run = RunState::new(ctxs, *clock, ctxs.len() - 1);
    let result = general_steps(&mut run, rows).await;
    *clock = run.clock;
    result
}

/// The calls of a [`general`] run.
async fn general_steps(run: &mut RunState<'_>, rows: Rows) -> Result<()> {
    let ctxs = run.ctxs;
    let jumps = ctxs.iter().any(|ctx| ctx.function().actions().jump());
    // A flow that may jump keeps each function's input in its own layer, for a jump back to read
    // again; one that does not only ever holds the batch in hand, and allocates no layers.
    let mut hand = Some(rows);
    let mut layers: Vec<Option<Rows>> = Vec::new();
    if jumps {
        layers = ctxs.iter().map(|_| None).collect();
        layers[0] = hand.take();
    }
    let all = 0..ctxs.len();
    let mut at = 0;
    while at < ctxs.len() {
        let layer = if jumps { &mut layers[at] } else { &mut hand };
        match step(run, at, layer, jumps, &all).await? {
            Goto::Stop => return Ok(()),
            Goto::To(to, rows) if jumps => {
                if let (Some(rows), Some(next)) = (rows, layers.get_mut(at + 1)) {
                    *next = Some(rows);
                }
                at = to;
            }
            Goto::To(to, rows) => {
                hand = rows;
                at = to;
            }
        }
    }
    Err(no_such_stage(
        ctxs.first().map_or("", |ctx| ctx.flow_name()),
        at,
    ))
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
    let mut input = layer.take().unwrap_or_else(Rows::empty);
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
