//! The checks of one YAML flow: its functions are registered, each edge's rows fit (the trunk's
//! last function's to each branch's first included), rows copied for branches or kept for jumps
//! are `Clone`, and a flow that a `flow!` declares keeps that flow's functions.

use super::{check_params, suggestion};
use crate::config::{Config, FlowConfig, FlowFunction, Place, PlaceKey, Problem};
use crate::flow::{check_branch_point, check_edge, check_jumps, edges};
use crate::function::FunctionInfo;
use crate::registry::{FlowInfo, Registry};

pub(super) fn check_flow(
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
    let starts = flow.branch_starts();
    let mut functions: Vec<Option<&'static FunctionInfo>> = Vec::new();
    for (index, entry) in flow.entries().enumerate() {
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
        if let Some(info) = info {
            let what = format!("flow `{name}`");
            let place = entry_place(index);
            check_params(info, entry.params.iter(), &what, place.as_ref(), problems);
        }
        functions.push(info);
    }
    // Each bad edge once, at the function that takes the wrong rows, as `flow!` reports it.
    let mut edges_fit = true;
    for (prev, next) in edges(functions.len(), &starts) {
        if let (Some(prev), Some(next_info)) = (functions[prev], functions[next])
            && let Err(err) = check_edge(name, prev, next_info)
        {
            edges_fit = false;
            problems.push(Problem {
                place: entry_place(next),
                message: err.to_string(),
            });
        }
    }
    if let Some(code) = registry.flows().find(|f| f.name() == name.as_str()) {
        check_override(flow, code, flow_place(), problems);
    }
    let known: Vec<&'static FunctionInfo> = functions.iter().flatten().copied().collect();
    if known.len() == functions.len() {
        if edges_fit
            && let Some(point) = starts.first()
            && let Err(err) = check_branch_point(name, &known, &starts)
        {
            problems.push(Problem {
                place: entry_place(point - 1),
                message: err.to_string(),
            });
        }
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
    let declared = super::super::export::declared(code);
    if shape(&declared) == shape(flow) {
        return;
    }
    let mut write = format!("list {} under `flows`", names(&declared.flows));
    if !declared.branches.is_empty() {
        let branches: Vec<String> = declared
            .branches
            .iter()
            .map(|branch| format!("[{}]", names(branch)))
            .collect();
        write = format!(
            "{write} and the branches {} under `branches`",
            branches.join(", ")
        );
    }
    problems.push(Problem {
        place,
        message: format!(
            "flow `{}` is declared in code (at {}) as {}; YAML may change its params, status and \
             connectors, not its functions, so {write}, or give the YAML flow another name",
            flow.flow_name,
            code.location(),
            code.outline(),
        ),
    });
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

/// A flow's functions in order and where its branches start: what an override must keep.
fn shape(flow: &FlowConfig) -> (Vec<&str>, Vec<usize>) {
    let names = flow.entries().map(|f| f.fname.as_str()).collect();
    (names, flow.branch_starts())
}

/// The names of `entries`, comma-separated.
fn names(entries: &[FlowFunction]) -> String {
    let names: Vec<&str> = entries.iter().map(|f| f.fname.as_str()).collect();
    names.join(", ")
}
