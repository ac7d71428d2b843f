//! Branching flows written in YAML (`flows` for the trunk, then `branches`): they run as a
//! branching `flow!` does, every edge is checked at load with the problem at its place, a YAML
//! flow may override a branching `flow!` only with its shape, and exporting one writes its
//! branches.

use std::sync::Mutex;

use kisflow::Pool;
use kisflow::config::Config;
use kisflow::prelude::*;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Order {
    id: u32,
    qty: u32,
}

/// Rows that cannot be copied, so cannot feed more than one branch.
#[derive(Debug)]
struct Ticket(u32);

/// What each sink saw, in the order the sinks ran: (sink, flow param `tag`, row).
static SEEN: Mutex<Vec<(String, String, u32)>> = Mutex::new(Vec::new());

#[kis_function(mode = "Verify")]
fn in_stock(rows: Vec<Order>) -> Vec<Order> {
    rows.into_iter().filter(|o| o.qty > 0).collect()
}

#[kis_function(mode = "Calculate")]
fn doubled(rows: Vec<Order>) -> Vec<Order> {
    rows.into_iter()
        .map(|o| Order {
            qty: o.qty * 2,
            ..o
        })
        .collect()
}

#[kis_function(mode = "Calculate")]
fn quantities(rows: Vec<Order>) -> Vec<u32> {
    rows.into_iter().map(|o| o.qty).collect()
}

#[kis_function(mode = "Save", params(tag = "none"))]
fn note_orders(ctx: &FlowCtx, rows: Vec<Order>) {
    let tag = ctx.param("tag").unwrap_or_default().to_owned();
    let mut seen = SEEN.lock().unwrap();
    seen.extend(
        rows.iter()
            .map(|o| ("orders".to_owned(), tag.clone(), o.qty)),
    );
}

#[kis_function(mode = "Save", params(tag = "none"))]
fn note_numbers(ctx: &FlowCtx, rows: Vec<u32>) {
    let tag = ctx.param("tag").unwrap_or_default().to_owned();
    let mut seen = SEEN.lock().unwrap();
    seen.extend(rows.iter().map(|&n| ("numbers".to_owned(), tag.clone(), n)));
}

#[kis_function(mode = "Calculate")]
fn tickets(rows: Vec<Order>) -> Vec<Ticket> {
    rows.into_iter().map(|o| Ticket(o.id)).collect()
}

#[kis_function(mode = "Save")]
fn file_tickets(rows: Vec<Ticket>) {
    assert!(rows.iter().all(|t| t.0 > 0));
}

flow!(Fanned: in_stock -> [doubled -> note_orders, quantities -> note_numbers]);

const BRANCHED: &str = "kistype: flow
status: 1
flow_name: Orders
flows:
  - fname: in_stock
branches:
  - flows:
      - fname: doubled
      - fname: note_orders
        params: {tag: yaml}
  - flows:
      - fname: quantities
      - fname: note_numbers
        params: {tag: yaml}
";

/// `Pool::new`'s error for `yaml` (as `f.yml`), one line per problem.
fn problems(yaml: &str) -> Vec<String> {
    let config = Config::load_str("f.yml", yaml).unwrap();
    let err = Pool::new(config).unwrap_err();
    err.to_string().lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn a_yaml_flow_runs_its_trunk_then_each_branch_on_its_own_copy() -> kisflow::Result<()> {
    let pool = Pool::new(Config::load_str("flow-Orders.yml", BRANCHED)?)?;
    let mut flow = pool.flow("Orders")?;
    assert_eq!(flow.stages().len(), 5);
    flow.commit_json(r#"{"id": 1, "qty": 3}"#)?;
    flow.commit_json(r#"{"id": 2, "qty": 0}"#)?;
    flow.commit_json(r#"{"id": 3, "qty": 5}"#)?;
    flow.run().await?;
    // Tests run in parallel: only this flow's sinks say `yaml`.
    let seen: Vec<_> = SEEN
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, tag, _)| tag == "yaml")
        .cloned()
        .collect();
    // The first branch doubled its copy and saw the param YAML gave it; the second branch got
    // the trunk's rows untouched by the first.
    assert_eq!(
        seen,
        [
            ("orders".to_owned(), "yaml".to_owned(), 6),
            ("orders".to_owned(), "yaml".to_owned(), 10),
            ("numbers".to_owned(), "yaml".to_owned(), 3),
            ("numbers".to_owned(), "yaml".to_owned(), 5),
        ]
    );
    Ok(())
}

#[test]
fn every_bad_edge_of_a_branching_flow_is_reported_at_its_function() {
    let yaml = "kistype: flow\nstatus: 1\nflow_name: Bad\nflows:\n  - fname: in_stock\nbranches:\n  \
                - flows:\n      - fname: quantities\n      - fname: note_orders\n  - flows:\n      \
                - fname: note_numbers\n  - flows:\n      - fname: in_stok\n";
    assert_eq!(
        problems(yaml),
        [
            "f.yml:9:16: flow `Bad`: function `quantities` emits rows of type `u32`, but the next \
             function `note_orders` takes rows of type `yaml_branches::Order`",
            "f.yml:11:16: flow `Bad`: function `in_stock` emits rows of type \
             `yaml_branches::Order`, but the next function `note_numbers` takes rows of type `u32`",
            "f.yml:13:16: flow `Bad` names function `in_stok`, which is not registered; did you \
             mean `in_stock`?",
        ]
    );
}

#[test]
fn rows_that_feed_several_branches_must_be_clone() {
    let yaml = "kistype: flow\nstatus: 1\nflow_name: Tickets\nflows:\n  - fname: tickets\nbranches:\n  \
                - flows: [{fname: file_tickets}]\n  - flows: [{fname: file_tickets}]\n";
    assert_eq!(
        problems(yaml),
        [
            "f.yml:5:12: flow `Tickets`: function `tickets` feeds more than one branch, so each \
             branch gets its own copy of its rows, but `yaml_branches::Ticket` is not `Clone`; \
             derive `Clone` for `yaml_branches::Ticket`, or make the flow a single chain without \
             `branches`"
        ]
    );
}

#[tokio::test]
async fn yaml_may_change_a_branching_flow_s_params_but_not_its_shape() -> kisflow::Result<()> {
    let same = "kistype: flow\nstatus: 1\nflow_name: Fanned\nflows:\n  - fname: in_stock\nbranches:\n  \
                - flows:\n      - fname: doubled\n      - fname: note_orders\n        params: {tag: \
                override}\n  - flows: [{fname: quantities}, {fname: note_numbers}]\n";
    let pool = Pool::new(Config::load_str("f.yml", same)?)?;
    let mut flow = pool.flow("Fanned")?;
    flow.commit_json(r#"{"id": 7, "qty": 4}"#)?;
    flow.run().await?;
    assert!(
        SEEN.lock()
            .unwrap()
            .contains(&("orders".to_owned(), "override".to_owned(), 8))
    );
    let flat = "kistype: flow\nstatus: 1\nflow_name: Fanned\nflows:\n  - fname: in_stock\n  - fname: \
                doubled\n  - fname: note_orders\n";
    let shown = problems(flat);
    assert!(
        shown[0].ends_with(
            "as in_stock -> [doubled -> note_orders, quantities -> note_numbers]; YAML may change \
             its params, status and connectors, not its functions, so list in_stock under \
             `flows` and the branches [doubled, note_orders], [quantities, note_numbers] under \
             `branches`, or give the YAML flow another name"
        ),
        "{shown:#?}"
    );
    Ok(())
}

#[test]
fn exporting_a_branching_flow_writes_its_branches_and_loads_back() -> kisflow::Result<()> {
    let pool = Pool::new(Config::default())?;
    let dir = std::env::temp_dir().join(format!("kisflow-yaml-branches-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let written = pool.export("Fanned", &dir)?;
    let flow_file = std::fs::read_to_string(&written[0]).unwrap();
    assert!(flow_file.contains("branches:"), "{flow_file}");
    let loaded = Config::load(&dir)?;
    let _ = std::fs::remove_dir_all(&dir);
    let flow = loaded.flow("Fanned").unwrap();
    assert_eq!(
        flow.outline(),
        "in_stock -> [doubled -> note_orders, quantities -> note_numbers]"
    );
    // It loads as an override of the same `flow!`, which the pool accepts.
    Pool::new(loaded)?;
    Ok(())
}
