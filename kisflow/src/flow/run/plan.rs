//! [`Plan`]: how a flow's runs go, chosen when the flow is built or configured, so that a run
//! pays only for the features its flow uses.

use crate::function::ctx::FlowCtx;

/// How a flow's runs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Plan {
    /// A chain whose functions neither jump nor reuse their input, and are not retried: each
    /// function's output goes on to the next, with no copy of any input kept. Actions that need
    /// no copy (abort, force entry) are still followed; they cost a plain load per call.
    #[default]
    Chain,
    /// Everything else: branches, jumps (every input kept for reading again), data reuse (a copy
    /// of the input) and retries (a copy of the input while retries are left).
    General,
}

impl Plan {
    /// The plan of a flow of `ctxs` with branches starting at `branches`, configured as they are.
    pub(crate) fn of(ctxs: &[FlowCtx], branches: &[usize]) -> Self {
        let general = !branches.is_empty()
            || ctxs.iter().any(|ctx| {
                let actions = ctx.function().actions();
                actions.jump() || actions.data_reuse() || ctx.retry().times > 0
            });
        if general { Self::General } else { Self::Chain }
    }
}
