//! [`FlowSettings`]: what configuration may change in a flow instance without touching its
//! functions or their order (the YAML `flow` and `func` kinds apply through it).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::core::FlowCore;
use crate::error::{Error, Result};
use crate::function::ctx::Retry;
use crate::function::{Stage, merge_params};

/// Settings for one flow instance: switched off or not, and per function its params, connector,
/// retries and required JSON fields. Applied with [`Flow::with_settings`](crate::Flow::with_settings).
///
/// ```
/// use kisflow::{FlowSettings, StageSettings};
///
/// let settings = FlowSettings {
///     stages: vec![StageSettings {
///         flow_params: [("school".into(), "TsingHua".into())].into(),
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
    /// Params the flow gives the function, key by key over those declared in `flow!`: a key set
    /// here replaces the `flow!`'s value for it, and the `flow!`'s other keys stay.
    pub flow_params: BTreeMap<String, String>,
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
    pub(crate) fn set_settings(&mut self, settings: &FlowSettings) -> Result<()> {
        if !settings.stages.is_empty() && settings.stages.len() != self.ctxs.len() {
            return Err(Error::Settings {
                flow: self.name().to_owned(),
                reason: format!(
                    "settings for {} functions, but the flow has {}",
                    settings.stages.len(),
                    self.ctxs.len()
                ),
            });
        }
        for (ctx, stage) in self.ctxs.iter().zip(&settings.stages) {
            let function = ctx.function();
            if stage.retry_times > 0 && !function.input_is_clone() {
                return Err(Error::Settings {
                    flow: self.name().to_owned(),
                    reason: format!(
                        "function `{}` cannot be retried: its input rows `{}` are not `Clone`, \
                         and a retry calls it again with the same rows; derive `Clone` for them \
                         or set `retry_times: 0`",
                        function.name(),
                        function.input().name()
                    ),
                });
            }
        }
        for (index, stage) in settings.stages.iter().enumerate() {
            let ctx = &mut self.ctxs[index];
            if !stage.flow_params.is_empty() || !stage.default_params.is_empty() {
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
        self.refresh();
        Ok(())
    }
}

/// The params a configured function runs with, merged once here: see [`merge_params`] for the
/// layers and which wins.
fn merged_params(stage: &Stage, settings: &StageSettings) -> Arc<[(String, String)]> {
    let owned = |(k, v): &(&str, &str)| ((*k).to_owned(), (*v).to_owned());
    let flow = stage
        .flow_params()
        .iter()
        .map(owned)
        .chain(settings.flow_params.clone());
    let defaults = stage
        .function()
        .params()
        .iter()
        .map(owned)
        .chain(settings.default_params.clone());
    merge_params(flow, defaults).into()
}
