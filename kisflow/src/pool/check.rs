//! Checking a [`Config`] against the functions and flows the program registered: every problem
//! at once, each at the YAML place it concerns.

use crate::config::{Config, FlowConfig, Place, PlaceKey, Problem};
use crate::flow::{check_edge, check_jumps};
use crate::function::FunctionInfo;
use crate::registry::{FlowInfo, Registry};

/// Every problem of `config` against `registry`.
pub(super) fn problems(config: &Config, registry: &Registry) -> Vec<Problem> {
    let mut problems = Vec::new();
    for func in config.funcs() {
        let place = config.place(&PlaceKey::Func(func.fname.clone())).cloned();
        match registry.function(&func.fname) {
            Err(_) => problems.push(Problem {
                place,
                message: format!(
                    "func `{}` is not a registered function: YAML configures functions written \
                     with #[kis_function], it cannot define new ones{}",
                    func.fname,
                    suggestion(&func.fname, registry.functions().map(FunctionInfo::name))
                ),
            }),
            Ok(info) if info.mode() != func.fmode => problems.push(Problem {
                place,
                message: format!(
                    "func `{}` says `fmode: {}`, but the function is registered as {} (at {}); \
                     make them agree",
                    func.fname,
                    func.fmode,
                    info.mode(),
                    info.location()
                ),
            }),
            Ok(_) => {}
        }
        if let Some(cname) = &func.option.cname
            && config.conn(cname).is_none()
        {
            problems.push(Problem {
                place: config.place(&PlaceKey::Func(func.fname.clone())).cloned(),
                message: format!(
                    "func `{}` uses connector `{cname}`, which no `kistype: conn` file declares{}",
                    func.fname,
                    suggestion(cname, config.conns().map(|c| c.cname.as_str()))
                ),
            });
        }
    }
    for flow in config.flows() {
        check_flow(config, registry, flow, &mut problems);
    }
    problems
}

fn check_flow(
    config: &Config,
    registry: &Registry,
    flow: &FlowConfig,
    problems: &mut Vec<Problem>,
) {
    let name = &flow.flow_name;
    let flow_place = || config.place(&PlaceKey::Flow(name.clone())).cloned();
    let entry_place = |index: usize| {
        config
            .place(&PlaceKey::FlowFunction {
                flow: name.clone(),
                index,
            })
            .cloned()
            .or_else(flow_place)
    };
    if flow.flows.is_empty() {
        problems.push(Problem {
            place: flow_place(),
            message: format!("flow `{name}` lists no functions; add them under `flows`"),
        });
        return;
    }
    let mut functions: Vec<Option<&'static FunctionInfo>> = Vec::new();
    for (index, entry) in flow.flows.iter().enumerate() {
        let info = registry.function(&entry.fname).ok();
        if info.is_none() {
            problems.push(Problem {
                place: entry_place(index),
                message: format!(
                    "flow `{name}` names function `{}`, which is not registered{}",
                    entry.fname,
                    suggestion(&entry.fname, registry.functions().map(FunctionInfo::name))
                ),
            });
        }
        functions.push(info);
    }
    for (index, pair) in functions.windows(2).enumerate() {
        if let [Some(prev), Some(next)] = pair
            && let Err(err) = check_edge(name, prev, next)
        {
            problems.push(Problem {
                place: entry_place(index + 1),
                message: err.to_string(),
            });
        }
    }
    if let Some(code) = registry.flows().find(|f| f.name() == name.as_str()) {
        check_override(flow, code, flow_place(), problems);
    }
    let known: Vec<&'static FunctionInfo> = functions.iter().flatten().copied().collect();
    if known.len() == functions.len() {
        check_runnable(config, flow, &known, flow_place(), problems);
    }
}

/// A YAML flow with the name of a `flow!` may change settings, not functions.
fn check_override(
    flow: &FlowConfig,
    code: FlowInfo,
    place: Option<Place>,
    problems: &mut Vec<Problem>,
) {
    let declared: Vec<&str> = code.stages().iter().map(|s| s.function().name()).collect();
    let listed: Vec<&str> = flow.flows.iter().map(|f| f.fname.as_str()).collect();
    if declared != listed {
        problems.push(Problem {
            place,
            message: format!(
                "flow `{}` is declared in code (at {}) as {}; YAML may change its params, status \
                 and connectors, not its functions, so list {} under `flows`, or give the YAML \
                 flow another name",
                flow.flow_name,
                code.location(),
                declared.join(" -> "),
                declared.join(", ")
            ),
        });
    }
}

/// Retries need `Clone` inputs, and so do composed flows that may jump.
fn check_runnable(
    config: &Config,
    flow: &FlowConfig,
    functions: &[&'static FunctionInfo],
    place: Option<Place>,
    problems: &mut Vec<Problem>,
) {
    for function in functions {
        let retries = config
            .func(function.name())
            .map_or(0, |f| f.option.retry_times);
        if retries > 0 && !function.input_is_clone() {
            problems.push(Problem {
                place: config
                    .place(&PlaceKey::Func(function.name().to_owned()))
                    .cloned(),
                message: format!(
                    "func `{}` has `retry_times: {retries}`, but its input rows `{}` are not \
                     `Clone`, and a retry calls it again with the same rows; derive `Clone` for \
                     them or set `retry_times: 0`",
                    function.name(),
                    function.input().name()
                ),
            });
        }
    }
    if let Err(err) = check_jumps(&flow.flow_name, functions) {
        problems.push(Problem {
            place,
            message: err.to_string(),
        });
    }
}

/// `; did you mean `x`?` when a known name is close to `name`.
pub(super) fn suggestion<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    known
        .map(|candidate| (crate::config::distance(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min()
        .map(|(_, candidate)| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default()
}
