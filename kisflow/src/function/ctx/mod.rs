//! [`FlowCtx`]: a handler's view of the flow it runs in.

mod actions;
mod shared;
mod state;
mod typed_param;

pub use shared::DEFAULT_STEP_LIMIT;
pub(crate) use shared::{Capture, FlowShared, Retry};

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::action::Taken;
use crate::connector::Connector;
use crate::error::{Error, Result};
use crate::function::Stage;
use crate::function::{Erased, FunctionInfo};
use crate::ids;
use crate::metrics::{Metrics, StageMetrics};
use crate::mode::Mode;
use crate::store::{Cache, Metadata};

/// What a handler sees of its flow: names, ids, params, metadata, cache, connector and actions.
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
    flow: Arc<FlowShared>,
    stage: Stage,
    /// The function's operations on rows of types known only at run time, looked up once.
    erased: Erased,
    /// Params set by configuration, replacing the merge of `stage`'s.
    params: Option<Arc<[(String, String)]>>,
    /// The connector this function is bound to: its own `conn = "..."` unless configured.
    binding: Option<Arc<str>>,
    retry: Retry,
    function_id: String,
    metrics: Option<StageMetrics>,
    metadata: Metadata,
    connector: Option<Connector>,
    /// The action set by the running call, packed by [`Taken::pack`]; 0 is none.
    pub(crate) action: AtomicU32,
}

impl FlowCtx {
    pub(crate) fn new(flow: Arc<FlowShared>, stage: Stage, metrics: Option<&Metrics>) -> Self {
        let function = stage.function();
        let metrics = metrics.map(|m| StageMetrics::new(m, function.name(), function.mode()));
        Self {
            flow,
            stage,
            erased: stage.function().erased(),
            params: None,
            binding: stage.function().conn().map(Arc::from),
            retry: Retry::default(),
            function_id: ids::new_id(ids::FUNCTION),
            metrics,
            metadata: Metadata::new("function metadata"),
            connector: None,
            action: AtomicU32::new(0),
        }
    }

    pub(crate) fn set_metrics(&mut self, metrics: &Metrics) {
        let function = self.stage.function();
        self.metrics = Some(StageMetrics::new(metrics, function.name(), function.mode()));
    }

    /// Records into the same series as `other`, with cells of its own.
    pub(crate) fn copy_metrics_from(&mut self, other: &FlowCtx) {
        self.metrics = other.metrics.as_ref().map(StageMetrics::fresh);
    }

    pub(crate) fn metrics(&self) -> Option<&StageMetrics> {
        self.metrics.as_ref()
    }

    pub(crate) fn shared(&self) -> &FlowShared {
        &self.flow
    }

    pub(crate) fn set_connector(&mut self, connector: Connector) {
        self.connector = Some(connector);
    }

    /// The `cname` this function is bound to.
    pub(crate) fn binding(&self) -> Option<&str> {
        self.binding.as_deref()
    }

    /// Binds this function to another connector name; a connector given before no longer
    /// applies.
    pub(crate) fn rebind(&mut self, cname: &str) {
        self.binding = Some(Arc::from(cname));
        self.connector = None;
    }

    /// The stage as declared in code, before configuration.
    pub(crate) fn declared_stage(&self) -> &Stage {
        &self.stage
    }

    pub(crate) fn set_params(&mut self, params: Arc<[(String, String)]>) {
        self.params = Some(params);
    }

    pub(crate) fn set_retry(&mut self, retry: Retry) {
        self.retry = retry;
    }

    pub(crate) fn retry(&self) -> Retry {
        self.retry
    }

    /// The same function in a new instance: configuration kept, state (metadata, action) fresh.
    pub(crate) fn configure_like(&mut self, other: &FlowCtx) {
        self.params.clone_from(&other.params);
        self.binding.clone_from(&other.binding);
        self.retry = other.retry;
        self.connector.clone_from(&other.connector);
    }

    /// Whether the last call set an action, which [`take_action`](Self::take_action) takes.
    #[inline]
    pub(crate) fn has_action(&self) -> bool {
        self.action.load(Ordering::Relaxed) != 0
    }

    /// Takes the action the last call set, leaving none.
    #[inline]
    pub(crate) fn take_action(&self) -> Taken {
        // Most calls set none: a plain load spares them a locked swap.
        if !self.has_action() {
            return Taken::default();
        }
        Taken::unpack(self.action.swap(0, Ordering::Relaxed))
    }

    /// Name of the running flow.
    #[must_use]
    pub fn flow_name(&self) -> &str {
        &self.flow.name
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

    pub(crate) fn erased(&self) -> &Erased {
        &self.erased
    }

    /// One param of this function in this flow: the value the flow gives (`flow!`'s
    /// `f(key = "value")`, or YAML's `flows[].params`), else the function's default
    /// (`#[kis_function(params(key = "value"))]`, or YAML's `option.default_params`).
    #[must_use]
    pub fn param(&self, key: &str) -> Option<&str> {
        match &self.params {
            Some(params) => params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            None => self.stage.param(key),
        }
    }

    /// All params of this function in this flow, merged as [`param`](Self::param) reads them:
    /// the flow's first, then the defaults the flow does not override.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let configured = self.params.iter().flat_map(|params| params.iter());
        let configured = configured.map(|(k, v)| (k.as_str(), v.as_str()));
        let declared = self.params.is_none().then(|| self.stage.params());
        let declared = declared.into_iter().flatten();
        configured
            .chain(declared.map(|(k, v): (&'static str, &'static str)| -> (&str, &str) { (k, v) }))
    }

    /// Values this function instance keeps across runs (Go's function `GetMetaData`).
    #[must_use]
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Values this flow instance keeps across runs, shared by its functions (Go's flow
    /// `GetMetaData`).
    #[must_use]
    pub fn flow_metadata(&self) -> &Metadata {
        &self.flow.metadata
    }

    /// This flow instance's cache, whose entries expire after their own time-to-live.
    #[must_use]
    pub fn cache(&self) -> &Cache {
        self.flow.cache()
    }

    /// The connector this function is bound to with `#[kis_function(conn = "...")]`, initialised.
    pub fn connector(&self) -> Result<&Connector> {
        if let Some(connector) = &self.connector {
            return Ok(connector);
        }
        let reason = match self.binding() {
            Some(cname) => format!(
                "is bound to connector \"{cname}\", which this flow instance was not given; \
                 add it with `Flow::with_connector` before running"
            ),
            None => "is not bound to a connector; bind it with \
                     `#[kis_function(conn = \"cname\")]`"
                .to_owned(),
        };
        Err(
            self.error(reason, |flow, function, reason| Error::Connector {
                flow,
                function,
                reason,
            }),
        )
    }

    pub(crate) fn error(&self, reason: String, make: fn(String, String, String) -> Error) -> Error {
        make(
            self.flow_name().to_owned(),
            self.function_name().to_owned(),
            reason,
        )
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
