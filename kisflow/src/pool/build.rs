//! Building a runnable flow from the pool: the `flow!` it names or a composition of registered
//! functions, with the YAML settings applied and its connectors attached.

use super::Pool;
use crate::config::{FlowConfig, FlowFunction, PlaceKey};
use crate::error::{Error, Result};
use crate::flow::{DynFlow, FlowSettings, StageSettings};
use crate::function::Stage;

pub(super) fn build(pool: &Pool, name: &str) -> Result<Box<dyn DynFlow>> {
    let yaml = pool.config.flow(name);
    let code = pool.registry.flows().find(|f| f.name() == name);
    let mut flow = match (yaml, code) {
        (_, Some(code)) => code.instantiate(),
        (Some(yaml), None) => {
            let branches: Vec<Vec<&str>> = yaml.branches.iter().map(|b| names(b)).collect();
            let branches: Vec<&[&str]> = branches.iter().map(Vec::as_slice).collect();
            let trunk = names(&yaml.flows);
            pool.registry.compose_branching(name, &trunk, &branches)?
        }
        (None, None) => {
            let known = pool.flow_names();
            return Err(Error::Unknown {
                kind: "flow",
                name: name.to_owned(),
                known: known.join(", "),
            });
        }
    };
    let settings = settings(pool, yaml, flow.stages());
    flow.set_settings(&settings)?;
    let mut attached: Vec<String> = Vec::new();
    for (stage, configured) in flow.stages().to_vec().iter().zip(&settings.stages) {
        let function = stage.function();
        let Some(cname) = configured.conn.as_deref().or(function.conn()) else {
            continue;
        };
        if attached.iter().any(|c| c == cname) {
            continue;
        }
        let connector = pool.connector(cname, function.name())?;
        flow.set_connector(&connector)?;
        attached.push(cname.to_owned());
    }
    Ok(flow)
}

/// What the config says about this flow and its functions.
fn settings(pool: &Pool, yaml: Option<&FlowConfig>, stages: &[Stage]) -> FlowSettings {
    let config = &pool.config;
    let disabled = yaml.filter(|flow| !flow.enabled).map(|flow| {
        let place = config.place(&PlaceKey::Flow(flow.flow_name.clone()));
        match place {
            Some(place) => format!("status: 0 at {place}"),
            None => "status: 0".to_owned(),
        }
    });
    let stages = stages
        .iter()
        .enumerate()
        .map(|(index, stage)| {
            let function = stage.function();
            let func = config.func(function.name());
            let flow_params = yaml
                .and_then(|flow| flow.entries().nth(index))
                .map(|entry| entry.params.clone())
                .unwrap_or_default();
            StageSettings {
                flow_params,
                default_params: func
                    .map(|f| f.option.default_params.clone())
                    .unwrap_or_default(),
                conn: func.and_then(|f| f.option.cname.clone()),
                retry_times: func.map_or(0, |f| f.option.retry_times),
                retry_delay: std::time::Duration::from_millis(
                    func.map_or(0, |f| f.option.retry_duration_ms),
                ),
                must: func.map(|f| f.source.must.clone()).unwrap_or_default(),
            }
        })
        .collect();
    FlowSettings { disabled, stages }
}

/// The names of a list of flow entries.
fn names(list: &[FlowFunction]) -> Vec<&str> {
    list.iter().map(|f| f.fname.as_str()).collect()
}
