//! The Flows pages: every registered and YAML flow with its status, and one flow drawn as a
//! graph with each function's live rows, errors and p99.

use std::fmt::Write;

use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::graph::{self, Node};
use super::html::{self, esc, url};
use super::{Shared, State, stats};

/// A flow as the pages list it.
pub(super) struct Shape {
    pub(super) name: String,
    pub(super) declared: &'static str,
    pub(super) nodes: Vec<Node>,
    pub(super) branches: Vec<usize>,
    pub(super) enabled: bool,
}

pub(super) async fn home() -> Redirect {
    Redirect::to("/flows")
}

pub(super) async fn list(Extract(state): Shared) -> Html<String> {
    let body = html::live("flows", &table(&state));
    html::page("Flows", "/flows", &body)
}

pub(super) async fn one(Extract(state): Shared, Path(name): Path<String>) -> Response {
    let Some(shape) = shapes(&state).into_iter().find(|s| s.name == name) else {
        let message =
            format!("no flow named `{name}`: neither a flow! of this program nor a YAML flow");
        return html::notice(StatusCode::NOT_FOUND, "No such flow", &message);
    };
    let body = html::live(&format!("flow:{name}"), &graph_and_table(&state, &shape));
    html::page(&format!("Flow {name}"), "/flows", &body).into_response()
}

/// The live part of a flow's page: its status, its graph and the same numbers as a table.
pub(super) fn graph_and_table(state: &State, shape: &Shape) -> String {
    let by_function = stats::functions(&state.metrics.encode());
    let mut out = format!(
        "<p>Declared in {} · status {}</p>",
        shape.declared,
        html::badge(&status(state, shape), "flow-status")
    );
    out.push_str(&graph::svg(&shape.nodes, &shape.branches, &by_function));
    out.push_str(
        "<h2>Functions</h2><table data-testid=\"functions\"><tr><th>function</th><th>mode</th>\
         <th>rows in</th><th>rows out</th><th>errors</th><th>p99</th><th>takes</th><th>gives</th></tr>",
    );
    for node in &shape.nodes {
        let stat = by_function.get(&node.function).cloned().unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&node.function),
            esc(&node.mode),
            stat.rows_in,
            stat.rows_out,
            stat.errors,
            esc(&stats::p99_text(stat.p99_ms)),
            esc(&graph::short(&node.input)),
            esc(&node
                .output
                .as_deref()
                .map_or("nothing (a sink)".to_owned(), graph::short)),
        );
    }
    out.push_str("</table><p>Counts are per function since this process started, over every flow that runs it.</p>");
    out
}

/// The live part of the list: one row per flow.
pub(super) fn table(state: &State) -> String {
    let mut out = String::from(
        "<table data-testid=\"flows\"><tr><th>flow</th><th>declared in</th><th>functions</th>\
         <th>status</th></tr>",
    );
    for shape in shapes(state) {
        let outline: Vec<&str> = shape.nodes.iter().map(|n| n.function.as_str()).collect();
        let _ = write!(
            out,
            "<tr data-testid=\"flow-row-{0}\"><td><a href=\"/flows/{1}\">{0}</a></td><td>{2}</td>\
             <td>{3}</td><td>{4}</td></tr>",
            esc(&shape.name),
            url(&shape.name),
            shape.declared,
            esc(&outline.join(" → ")),
            html::badge(
                &status(state, &shape),
                &format!("flow-status-{}", shape.name)
            ),
        );
    }
    out.push_str("</table>");
    out
}

/// `running` or `paused` for a flow a source feeds, `disabled` for a YAML flow switched off,
/// else `idle` (it runs when called).
fn status(state: &State, shape: &Shape) -> String {
    match state.source(&shape.name) {
        Some(source) if source.handle.is_paused() => "paused".to_owned(),
        Some(_) => "running".to_owned(),
        None if !shape.enabled => "disabled".to_owned(),
        None => "idle".to_owned(),
    }
}

/// Every flow: each `flow!` of the program, then each YAML flow no `flow!` declares.
pub(super) fn shapes(state: &State) -> Vec<Shape> {
    let Ok(registry) = crate::registry() else {
        return Vec::new();
    };
    let config = state.pool.as_ref().map(|pool| pool.config());
    let enabled = |name: &str| config.and_then(|c| c.flow(name)).is_none_or(|f| f.enabled);
    let mut shapes: Vec<Shape> = registry
        .flows()
        .map(|info| Shape {
            name: info.name().to_owned(),
            declared: "flow!",
            nodes: info.stages().iter().map(|s| node(s.function())).collect(),
            branches: info.branches().to_vec(),
            enabled: enabled(info.name()),
        })
        .collect();
    for flow in config.into_iter().flat_map(crate::config::Config::flows) {
        if shapes.iter().any(|s| s.name == flow.flow_name) {
            continue;
        }
        let nodes = flow
            .entries()
            .map(|f| match registry.function(&f.fname) {
                Ok(info) => node(info),
                Err(_) => Node {
                    function: f.fname.clone(),
                    mode: "not registered".to_owned(),
                    input: String::new(),
                    output: None,
                },
            })
            .collect();
        shapes.push(Shape {
            name: flow.flow_name.clone(),
            declared: "YAML",
            nodes,
            branches: flow.branch_starts(),
            enabled: flow.enabled,
        });
    }
    shapes.sort_by(|a, b| a.name.cmp(&b.name));
    shapes
}

fn node(info: &crate::FunctionInfo) -> Node {
    Node {
        function: info.name().to_owned(),
        mode: info.mode().to_string(),
        input: info.input().name().to_owned(),
        output: info.output().map(|o| o.name().to_owned()),
    }
}
