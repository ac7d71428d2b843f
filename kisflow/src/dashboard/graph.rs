//! A flow drawn as SVG on the server: a layered layout, the trunk on the first row and each
//! branch on a row of its own from the fork, every edge labelled with the rows it carries.

use std::collections::HashMap;
use std::fmt::Write;

use super::html::esc;
use super::stats::{FunctionStats, p99_text};

/// One function of a flow, as the graph draws it.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) function: String,
    pub(super) mode: String,
    pub(super) input: String,
    pub(super) output: Option<String>,
}

const WIDTH: usize = 210;
const HEIGHT: usize = 92;
const GAP_X: usize = 90;
const GAP_Y: usize = 28;
const MARGIN: usize = 12;

/// Each node's (column, row), and the edges as (from, to) node indexes.
type Layout = (Vec<(usize, usize)>, Vec<(usize, usize)>);

/// Where each node sits (column, row) and the edges between them, by node index: the trunk on
/// row 0, each branch on the row of its number from 0, in the columns after the trunk's.
pub(super) fn layout(nodes: usize, branches: &[usize]) -> Layout {
    let mut chains = crate::flow::chains(nodes, branches);
    let trunk = chains.next().map_or(0, |trunk| trunk.end);
    let mut places: Vec<(usize, usize)> = (0..trunk).map(|i| (i, 0)).collect();
    for (row, branch) in chains.enumerate() {
        let start = branch.start;
        places.extend(branch.map(|i| (trunk + i - start, row)));
    }
    (places, crate::flow::edges(nodes, branches))
}

/// The SVG of a flow's `nodes`, with live `stats` by function name.
pub(super) fn svg(
    nodes: &[Node],
    branches: &[usize],
    stats: &HashMap<String, FunctionStats>,
) -> String {
    let (places, edges) = layout(nodes.len(), branches);
    let columns = places.iter().map(|p| p.0 + 1).max().unwrap_or(1);
    let rows = places.iter().map(|p| p.1 + 1).max().unwrap_or(1);
    let width = MARGIN * 2 + columns * WIDTH + (columns - 1) * GAP_X;
    let height = MARGIN * 2 + rows * HEIGHT + (rows - 1) * GAP_Y;
    let x = |column: usize| MARGIN + column * (WIDTH + GAP_X);
    let y = |row: usize| MARGIN + row * (HEIGHT + GAP_Y);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"flow graph\" \
         data-testid=\"flow-graph\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" \
         refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#5b6577\"/></marker></defs>"
    );
    for &(from, to) in &edges {
        let (fc, fr) = places[from];
        let (tc, tr) = places[to];
        let (x1, y1) = (x(fc) + WIDTH, y(fr) + HEIGHT / 2);
        let (x2, y2) = (x(tc), y(tr) + HEIGHT / 2);
        let bend = x1 + GAP_X / 2;
        let rows = nodes[from].output.as_deref().unwrap_or("");
        let id = format!("{}-{}", nodes[from].function, nodes[to].function);
        let _ = write!(
            out,
            "<g data-testid=\"edge-{id}\" data-rows=\"{rows}\"><path d=\"M{x1},{y1} H{bend} V{y2} \
             H{x2}\" fill=\"none\" stroke=\"#5b6577\" stroke-width=\"1.5\" \
             marker-end=\"url(#arrow)\"/><text x=\"{tx}\" y=\"{ty}\" font-size=\"11\" \
             text-anchor=\"middle\" fill=\"#33415c\" data-testid=\"edge-label-{id}\">\
             <title>{rows}</title>{short}</text></g>",
            id = esc(&id),
            rows = esc(rows),
            tx = bend,
            ty = y2 - 6,
            short = esc(&short(rows)),
        );
    }
    for (node, &(column, row)) in nodes.iter().zip(&places) {
        let stat = stats.get(&node.function).cloned().unwrap_or_default();
        let fill = if stat.errors > 0 {
            "#ffe9e9"
        } else {
            "#ffffff"
        };
        let (nx, ny) = (x(column), y(row));
        let name = esc(&node.function);
        let _ = write!(
            out,
            "<g data-testid=\"node-{name}\" data-mode=\"{mode}\"><rect x=\"{nx}\" y=\"{ny}\" \
             width=\"{WIDTH}\" height=\"{HEIGHT}\" rx=\"8\" fill=\"{fill}\" stroke=\"#8a96aa\"/>\
             <text x=\"{tx}\" y=\"{t1}\" font-size=\"14\" font-weight=\"600\">{name}</text>\
             <text x=\"{tx}\" y=\"{t2}\" font-size=\"11\" fill=\"#5b6577\">{mode}</text>\
             <text x=\"{tx}\" y=\"{t3}\" font-size=\"12\">in <tspan data-testid=\"fn-in-{name}\">{}</tspan> \
             · out <tspan data-testid=\"fn-out-{name}\">{}</tspan> · errors \
             <tspan data-testid=\"fn-errors-{name}\">{}</tspan></text>\
             <text x=\"{tx}\" y=\"{t4}\" font-size=\"12\">p99 <tspan data-testid=\"fn-p99-{name}\">{}</tspan></text></g>",
            stat.rows_in,
            stat.rows_out,
            stat.errors,
            esc(&p99_text(stat.p99_ms)),
            mode = esc(&node.mode),
            tx = nx + 10,
            t1 = ny + 20,
            t2 = ny + 36,
            t3 = ny + 58,
            t4 = ny + 78,
        );
    }
    out.push_str("</svg>");
    out
}

/// A type's name without its module paths: `alloc::vec::Vec<app::Row>` is `Vec<Row>`.
pub(super) fn short(type_name: &str) -> String {
    let mut out = String::with_capacity(type_name.len());
    for c in type_name.chars() {
        out.push(c);
        if out.ends_with("::") {
            out.truncate(out.len() - 2);
            while out.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                out.pop();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_is_one_row_and_branches_fork_from_the_trunk() {
        assert_eq!(
            layout(3, &[]),
            (vec![(0, 0), (1, 0), (2, 0)], vec![(0, 1), (1, 2)])
        );
        // a -> [b, c -> d]
        let (places, edges) = layout(4, &[1, 2]);
        assert_eq!(places, [(0, 0), (1, 0), (1, 1), (2, 1)]);
        assert_eq!(edges, [(0, 1), (0, 2), (2, 3)]);
    }

    #[test]
    fn names_lose_their_paths_and_markup_is_escaped() {
        assert_eq!(short("alloc::vec::Vec<app::rows::Row>"), "Vec<Row>");
        let nodes = [
            Node {
                function: "a<b".into(),
                mode: "Verify".into(),
                input: "In".into(),
                output: Some("x::Out".into()),
            },
            Node {
                function: "c".into(),
                mode: "Save".into(),
                input: "x::Out".into(),
                output: None,
            },
        ];
        let svg = svg(&nodes, &[], &HashMap::new());
        assert!(svg.contains("data-testid=\"node-a&lt;b\""), "{svg}");
        assert!(
            svg.contains("data-testid=\"edge-a&lt;b-c\" data-rows=\"x::Out\""),
            "{svg}"
        );
        assert!(svg.contains(">Out</text>"), "{svg}");
    }
}
