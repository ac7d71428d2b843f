//! Connectors before a run: every bound function has its connector, initialised.

use crate::error::Result;
use crate::function::ctx::FlowCtx;

/// Checks that every function bound to a connector has one and initialises those connectors,
/// before any row moves. A missing one is the error `FlowCtx::connector` gives a handler.
pub(super) async fn connect(ctxs: &[FlowCtx]) -> Result<()> {
    for ctx in ctxs {
        if ctx.binding().is_some() {
            ctx.connector()?.init().await?;
        }
    }
    Ok(())
}
