//! Connectors before a run: every bound function has its connector, initialised.

use crate::ctx::FlowCtx;
use crate::error::{Error, Result};

/// Checks that every function bound to a connector has one and initialises those connectors,
/// before any row moves.
pub(super) async fn connect(ctxs: &[FlowCtx]) -> Result<()> {
    for ctx in ctxs {
        if let Some(cname) = ctx.missing_connector() {
            return Err(Error::Connector {
                flow: ctx.flow_name().to_owned(),
                function: ctx.function_name().to_owned(),
                reason: format!(
                    "is bound to connector \"{cname}\", which this flow instance was not given; \
                     add it with `Flow::with_connector` before running"
                ),
            });
        }
        if let Some(connector) = ctx.given_connector() {
            connector.init().await?;
        }
    }
    Ok(())
}
