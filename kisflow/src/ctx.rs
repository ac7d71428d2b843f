//! [`FlowCtx`]: a handler's view of the flow it runs in.

use std::sync::Arc;

use crate::flow::Stage;
use crate::function::FunctionInfo;
use crate::ids;
use crate::metrics::{Metrics, StageMetrics};
use crate::mode::Mode;

/// What a handler sees of its flow: names, ids and the params of this function in this flow.
///
/// Take it as an optional first parameter, `ctx: &FlowCtx`:
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Expand")]
/// async fn greet(ctx: &FlowCtx, rows: Vec<String>) {
///     let greeting = ctx.param("greeting").unwrap_or("hello");
///     for name in rows {
///         println!("{greeting}, {name} (from {} in {})", ctx.function_name(), ctx.flow_name());
///     }
/// }
///
/// flow!(Greetings: greet(greeting = "good morning"));
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let mut flow = Greetings::new();
/// flow.commit("Ada".to_string())?;
/// flow.run().await?; // good morning, Ada (from greet in Greetings)
/// # Ok(())
/// # }
/// ```
pub struct FlowCtx {
    flow: Arc<FlowIdentity>,
    stage: &'static Stage,
    function_id: String,
    metrics: Option<StageMetrics>,
}

/// Name and id of one flow instance, shared by the contexts of its functions.
#[derive(Debug)]
pub(crate) struct FlowIdentity {
    pub(crate) name: &'static str,
    pub(crate) id: String,
}

impl FlowCtx {
    pub(crate) fn new(
        flow: Arc<FlowIdentity>,
        stage: &'static Stage,
        metrics: Option<&Metrics>,
    ) -> Self {
        let metrics = metrics.map(|m| StageMetrics::new(m, stage.function()));
        Self {
            flow,
            stage,
            function_id: ids::new_id(ids::FUNCTION),
            metrics,
        }
    }

    pub(crate) fn set_metrics(&mut self, metrics: &Metrics) {
        self.metrics = Some(StageMetrics::new(metrics, self.stage.function()));
    }

    pub(crate) fn copy_metrics_from(&mut self, other: &FlowCtx) {
        self.metrics.clone_from(&other.metrics);
    }

    pub(crate) fn metrics(&self) -> Option<&StageMetrics> {
        self.metrics.as_ref()
    }

    /// Name of the running flow.
    #[must_use]
    pub fn flow_name(&self) -> &str {
        self.flow.name
    }

    /// Id of the running flow instance (`flow-` and 32 hex digits).
    #[must_use]
    pub fn flow_id(&self) -> &str {
        &self.flow.id
    }

    /// Registered name of the running function.
    #[must_use]
    pub fn function_name(&self) -> &'static str {
        self.stage.function().name()
    }

    /// Mode of the running function.
    #[must_use]
    pub fn function_mode(&self) -> Mode {
        self.stage.function().mode()
    }

    /// Id of this function instance in this flow instance (`func-` and 32 hex digits).
    #[must_use]
    pub fn function_id(&self) -> &str {
        &self.function_id
    }

    /// Registry entry of the running function.
    #[must_use]
    pub fn function(&self) -> &'static FunctionInfo {
        self.stage.function()
    }

    /// One param of this function in this flow, as given in `flow!` (`f(key = "value")`).
    #[must_use]
    pub fn param(&self, key: &str) -> Option<&'static str> {
        self.stage.param(key)
    }

    /// All params of this function in this flow, in the order written.
    pub fn params(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.stage.params().iter().copied()
    }
}

impl std::fmt::Debug for FlowCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowCtx")
            .field("flow", &self.flow.name)
            .field("flow_id", &self.flow.id)
            .field("function", &self.function_name())
            .field("function_id", &self.function_id)
            .finish_non_exhaustive()
    }
}
