//! [`FlowSettings`]: what configuration may change in a flow instance without touching its
//! functions or their order (the YAML `flow` and `func` kinds apply through it).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::core::FlowCore;
use crate::ctx::Retry;
use crate::error::{Error, Result};

/// Settings for one flow instance: switched off or not, and per function its params, connector,
/// retries and required JSON fields. Applied with [`Flow::configure`](crate::Flow::configure).
///
/// ```
/// use kisflow::{FlowSettings, StageSettings};
///
/// let settings = FlowSettings {
///     stages: vec![StageSettings {
///         flow_params: Some([("school".into(), "TsingHua".into())].into()),
///         retry_times: 2,
///         retry_delay: std::time::Duration::from_millis(100),
///         ..StageSettings::default()
///     }],
///     ..FlowSettings::default()
/// };
/// assert!(settings.disabled.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowSettings {
    /// Switches the flow off when `Some`: runs then fail with [`Error::Disabled`] quoting this
    /// text (say where it was switched off), and committed rows stay.
    pub disabled: Option<String>,
    /// One entry per function of the flow, in order; empty leaves every function as declared.
    pub stages: Vec<StageSettings>,
}

/// Settings for one function of a flow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageSettings {
    /// Params the flow gives the function, replacing those declared in `flow!`.
    pub flow_params: Option<BTreeMap<String, String>>,
    /// Default params merged over the function's own (`#[kis_function(params(...))]`); the
    /// flow's params still win over both.
    pub default_params: BTreeMap<String, String>,
    /// The connector the function is bound to, replacing its `conn = "..."`.
    pub conn: Option<String>,
    /// How many more times a failed call is made before the run fails (not after a panic). The
    /// function's input rows must be `Clone`, to call it again with the same rows.
    pub retry_times: u32,
    /// How long to wait before each retry.
    pub retry_delay: Duration,
    /// Fields every JSON row committed to the flow must have; only the first function's count,
    /// since later functions receive typed rows.
    pub must: Vec<String>,
}

impl FlowCore {
    /// Applies `settings`, or changes nothing and says what does not fit.
    pub(crate) fn configure(&mut self, settings: &FlowSettings) -> Result<()> {
        if !settings.stages.is_empty() && settings.stages.len() != self.ctxs.len() {
            return Err(Error::msg(format_args!(
                "flow `{}`: settings for {} functions, but the flow has {}",
                self.name(),
                settings.stages.len(),
                self.ctxs.len()
            )));
        }
        for (ctx, stage) in self.ctxs.iter().zip(&settings.stages) {
            let function = ctx.function();
            if stage.retry_times > 0 && !function.input_is_clone() {
                return Err(Error::msg(format_args!(
                    "flow `{}`: function `{}` cannot be retried: its input rows `{}` are not \
                     `Clone`, and a retry calls it again with the same rows; derive `Clone` for \
                     them or set `retry_times: 0`",
                    self.name(),
                    function.name(),
                    function.input().name()
                )));
            }
        }
        for (index, stage) in settings.stages.iter().enumerate() {
            let ctx = &mut self.ctxs[index];
            if stage.flow_params.is_some() || !stage.default_params.is_empty() {
                ctx.set_params(merged_params(ctx.declared_stage(), stage));
            }
            if let Some(cname) = &stage.conn
                && ctx.binding() != Some(cname.as_str())
            {
                ctx.rebind(cname);
            }
            ctx.set_retry(Retry {
                times: stage.retry_times,
                delay: stage.retry_delay,
            });
        }
        self.settings.disabled.clone_from(&settings.disabled);
        self.settings.must = settings
            .stages
            .first()
            .map(|stage| stage.must.clone())
            .unwrap_or_default();
        self.refresh_connectors();
        Ok(())
    }
}

/// The params a configured function runs with: the flow's first, then the defaults (the
/// configured ones over the declared ones) that the flow does not set.
fn merged_params(stage: &super::Stage, settings: &StageSettings) -> Arc<[(String, String)]> {
    let owned = |(k, v): &(&str, &str)| ((*k).to_owned(), (*v).to_owned());
    let flow: Vec<(String, String)> = match &settings.flow_params {
        Some(params) => params.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        None => stage.flow_params().iter().map(owned).collect(),
    };
    let mut defaults: BTreeMap<String, String> =
        stage.function().params().iter().map(owned).collect();
    defaults.extend(settings.default_params.clone());
    let mut merged = flow;
    for (key, value) in defaults {
        if !merged.iter().any(|(k, _)| *k == key) {
            merged.push((key, value));
        }
    }
    merged.into()
}
