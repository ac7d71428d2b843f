//! [`FlowCore`]: everything a flow instance holds except its typed rows. It is not generic, so
//! each `flow!` compiles one thin typed shell around code that is compiled once, in kisflow.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::run::Plan;
use crate::connector::Connector;
use crate::error::{Error, Result};
use crate::function::Stage;
use crate::function::ctx::{FlowCtx, FlowShared};
use crate::metrics::{FlowMetrics, Metrics};

/// A flow instance's contexts, shared state, metrics and connectors.
pub(crate) struct FlowCore {
    pub(crate) ctxs: Box<[FlowCtx]>,
    pub(crate) shared: Arc<FlowShared>,
    pub(super) metrics: Option<FlowMetrics>,
    /// Whether a function is bound to a connector, so runs check and initialise connectors.
    pub(super) uses_connectors: bool,
    /// What configuration set on the whole flow.
    pub(crate) settings: Settings,
    /// Where each branch of a branching flow starts among its functions; empty for a chain.
    /// Borrowed from a `flow!`'s constant, owned for a flow composed from YAML.
    pub(super) branches: Cow<'static, [usize]>,
    /// How runs go, chosen from the functions and their configuration whenever they change.
    pub(super) plan: Plan,
}

/// Flow-wide settings from configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    /// Why the flow does not run (`status: 0` and where), when it is switched off.
    pub(crate) disabled: Option<String>,
    /// Fields every JSON row committed to the flow must have (`source.must` of its first
    /// function).
    pub(crate) must: Vec<String>,
}

impl FlowCore {
    /// A flow instance of `stages`, branching at `branches` (empty for a chain).
    pub(crate) fn new(
        name: Arc<str>,
        stages: Arc<[Stage]>,
        branches: Cow<'static, [usize]>,
    ) -> Self {
        let metrics = crate::metrics::enabled().then(Metrics::global);
        let flow_metrics = metrics.map(|m| FlowMetrics::new(m, &name));
        let shared = Arc::new(FlowShared::new(name, stages));
        let ctxs = shared
            .stages
            .iter()
            .map(|stage| FlowCtx::new(Arc::clone(&shared), *stage, metrics))
            .collect();
        let mut core = Self {
            ctxs,
            shared,
            metrics: flow_metrics,
            uses_connectors: false,
            settings: Settings::default(),
            branches,
            plan: Plan::default(),
        };
        core.refresh();
        core
    }

    /// Notes whether any function is bound to a connector, and chooses how runs go, after a
    /// change of configuration: a run pays only for what its flow uses.
    pub(crate) fn refresh(&mut self) {
        self.uses_connectors = self.ctxs.iter().any(|ctx| ctx.binding().is_some());
        self.plan = Plan::of(&self.ctxs, &self.branches);
    }

    pub(crate) fn name(&self) -> &str {
        &self.shared.name
    }

    /// A new instance with the same stages, step limit, connectors and metrics.
    pub(crate) fn fork(&self) -> Self {
        let mut fork = Self::new(
            Arc::clone(&self.shared.name),
            Arc::clone(&self.shared.stages),
            self.branches.clone(),
        );
        fork.set_step_limit(self.step_limit());
        fork.settings = self.settings.clone();
        for (ctx, original) in fork.ctxs.iter_mut().zip(self.ctxs.iter()) {
            ctx.configure_like(original);
        }
        fork.refresh();
        if let Some(metrics) = &self.metrics {
            fork.metrics = Some(metrics.fresh());
            for (ctx, original) in fork.ctxs.iter_mut().zip(self.ctxs.iter()) {
                ctx.copy_metrics_from(original);
            }
        }
        fork
    }

    pub(crate) fn set_metrics(&mut self, metrics: &Metrics) {
        for ctx in &mut self.ctxs {
            ctx.set_metrics(metrics);
        }
        self.metrics = Some(FlowMetrics::new(metrics, self.name()));
    }

    pub(crate) fn set_step_limit(&self, limit: usize) {
        self.shared.step_limit.store(limit, Ordering::Relaxed);
    }

    pub(crate) fn step_limit(&self) -> usize {
        self.shared.step_limit.load(Ordering::Relaxed)
    }

    /// Gives `connector` to every function bound to its `cname`; an error when there is none.
    pub(crate) fn set_connector(&mut self, connector: &Connector) -> Result<()> {
        let mut bound = false;
        for ctx in &mut self.ctxs {
            if ctx.binding() == Some(connector.name()) {
                ctx.set_connector(connector.clone());
                bound = true;
            }
        }
        if bound {
            return Ok(());
        }
        let bindings: Vec<String> = self
            .ctxs
            .iter()
            .filter_map(|ctx| {
                Some(format!(
                    "`{}` to \"{}\"",
                    ctx.function_name(),
                    ctx.binding()?
                ))
            })
            .collect();
        let bindings = if bindings.is_empty() {
            "none of its functions is bound to a connector".to_owned()
        } else {
            format!("its bindings are {}", bindings.join(", "))
        };
        Err(Error::Settings {
            flow: self.name().to_owned(),
            reason: format!(
                "no function is bound to connector \"{}\" ({bindings}); bind one with \
                 `#[kis_function(conn = \"{}\")]`",
                connector.name(),
                connector.name()
            ),
        })
    }

    /// Checks a JSON row for the fields `source.must` requires, naming the first one missing;
    /// the error echoes `echo`, the row as it was committed.
    pub(crate) fn check_must(
        &self,
        row: &serde_json::Value,
        row_number: usize,
        echo: impl FnOnce() -> String,
    ) -> Result<()> {
        let Some(missing) = self.settings.must.iter().find(|field| {
            row.get(field.as_str())
                .is_none_or(serde_json::Value::is_null)
        }) else {
            return Ok(());
        };
        let function = self.ctxs.first().map_or("", |ctx| ctx.function_name());
        Err(Error::MissingField(Box::new(crate::error::MissingField {
            flow: self.name().to_owned(),
            function: function.to_owned(),
            row_number,
            field: missing.clone(),
            row: echo(),
        })))
    }

    /// A JSON row that does not decode into the first function's input, as the `row_number`th
    /// committed row.
    pub(crate) fn decode_error(&self, row_number: usize, reason: &str, row: String) -> Error {
        let first = self.ctxs[0].function();
        Error::Decode(Box::new(crate::error::DecodeError {
            flow: self.name().to_owned(),
            function: first.name().to_owned(),
            row_type: first.input().name(),
            row_number,
            row,
            reason: reason.to_owned(),
        }))
    }
}
