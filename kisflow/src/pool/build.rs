//! Building a runnable flow from the pool: the `flow!` it names or a composition of registered
//! functions, with the YAML settings applied and its connectors attached.

use super::Pool;
use crate::config::{FlowConfig, PlaceKey};
use crate::error::{Error, Result};
use crate::flow::{DynFlow, FlowSettings, StageSettings};
use crate::function::Stage;

pub(super) fn build(pool: &Pool, name: &str) -> Result<Box<dyn DynFlow>> {
    let yaml = pool.config.flow(name);
    let code = pool.registry.flows().find(|f| f.name() == name);
    let mut flow = match (yaml, code) {
        (_, Some(code)) => code.instantiate(),
        (Some(yaml), None) => {
            let names: Vec<&str> = yaml.flows.iter().map(|f| f.fname.as_str()).collect();
            pool.registry.compose(name, &names)?
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
                .and_then(|flow| flow.flows.get(index))
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
