//! The runtime's modules import one another in one direction only: no module of `kisflow/src`
//! reaches, through `use crate::…`, a module that reaches it back. (Inside `config/`, the same
//! holds for its files.) A circle is the first step to a tangle, so it fails the build here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../kisflow/src");

/// Modules that only re-export or gather what others define.
const ROOTS: [&str; 3] = ["lib", "prelude", "private"];

#[test]
fn the_import_graph_has_no_circles() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    visit(Path::new(SRC), &mut graph);
    assert!(graph.len() > 10, "read too few modules: {graph:?}");
    let circles = circles(&graph);
    assert!(
        circles.is_empty(),
        "import circles: {circles:?}\ngraph: {graph:#?}"
    );
}

fn visit(dir: &Path, graph: &mut BTreeMap<String, BTreeSet<String>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            visit(&path, graph);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path
                .strip_prefix(SRC)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if let Some(node) = node(&relative) {
                let deps = imports(&std::fs::read_to_string(&path).unwrap(), &relative);
                graph
                    .entry(node.clone())
                    .or_default()
                    .extend(deps.into_iter().filter(|d| *d != node));
            }
        }
    }
}

/// The graph node of a file: its top-level module, or `config/<file>` inside `config/`.
fn node(relative: &str) -> Option<String> {
    let parts: Vec<&str> = relative.split('/').collect();
    let top = parts[0].trim_end_matches(".rs");
    if ROOTS.contains(&top) || parts.contains(&"tests") {
        return None;
    }
    match (top, parts.get(1)) {
        ("config", Some(file)) if *file != "mod.rs" => {
            let sub = if *file == "kinds" { parts[2] } else { file };
            Some(format!("config/{}", sub.trim_end_matches(".rs")))
        }
        _ => Some(top.to_owned()),
    }
}

/// The modules a file names with `crate::x` (and, inside `config/`, `super::x` and
/// `crate::config::x`), outside comments and its unit tests.
fn imports(text: &str, relative: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let in_config = relative.starts_with("config/") && relative != "config/mod.rs";
    let mut found = BTreeSet::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (prefix, config_child) in [
            ("crate::config::", true),
            ("crate::", false),
            ("super::", true),
        ] {
            for piece in line.split(prefix).skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if name.is_empty() || ROOTS.contains(&name.as_str()) {
                    continue;
                }
                if config_child && in_config {
                    let name = if name == "kinds" { continue } else { name };
                    found.insert(format!("config/{name}"));
                } else if !config_child {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// Every strongly connected set of more than one node (Tarjan's algorithm).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn connect<'g>(state: &mut State<'g>, node: &'g str) {
        let index = state.index.len();
        state.index.insert(node, index);
        state.low.insert(node, index);
        state.stack.push(node);
        for next in state.graph.get(node).into_iter().flatten() {
            let Some((next, _)) = state.graph.get_key_value(next.as_str()) else {
                continue;
            };
            if !state.index.contains_key(next.as_str()) {
                connect(state, next);
                let low = state.low[next.as_str()].min(state.low[node]);
                state.low.insert(node, low);
            } else if state.stack.contains(&next.as_str()) {
                let low = state.index[next.as_str()].min(state.low[node]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut set = Vec::new();
            while let Some(top) = state.stack.pop() {
                set.push(top.to_owned());
                if top == node {
                    break;
                }
            }
            if set.len() > 1 {
                state.found.push(set);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            connect(&mut state, node);
        }
    }
    state.found
}
