//! The checks `Pool::new` makes of a config against the registered functions and flows: each
//! problem with its exact message at its place, all of them at once.

use kisflow::Pool;
use kisflow::config::Config;
use kisflow::prelude::*;

#[derive(Debug, Clone)]
struct Order {
    id: u32,
}

/// Rows that cannot be copied, so cannot be retried or kept for a jump.
#[derive(Debug)]
struct Ticket(u32);

#[kis_function(mode = "Verify")]
fn check(rows: Vec<Order>) -> Vec<Order> {
    rows
}

#[kis_function(mode = "Calculate")]
fn ticket(rows: Vec<Order>) -> Vec<Ticket> {
    rows.into_iter().map(|o| Ticket(o.id)).collect()
}

#[kis_function(mode = "Expand")]
fn print(rows: Vec<Ticket>) {
    for t in rows {
        println!("{}", t.0);
    }
}

#[kis_function(mode = "Verify", actions(jump))]
fn again(ctx: &FlowCtx, rows: Vec<Ticket>) -> kisflow::Result<Vec<Ticket>> {
    if rows.is_empty() {
        ctx.jump_func("check")?;
    }
    Ok(rows)
}

flow!(Declared: check -> ticket -> print);

/// Writes `files` (name, text) into a directory of their own, loads it and returns
/// `Pool::new`'s error, one line per problem, with paths relative to the directory.
fn problems(files: &[(&str, &str)]) -> Vec<String> {
    // A directory per call: tests run in parallel, and two may start with the same file name.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("kisflow-pool-checks-{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let config = Config::load(&dir).unwrap();
    let err = Pool::new(config).unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    let prefix = format!("{}/", dir.display());
    err.to_string()
        .lines()
        .map(|line| line.replacen(&prefix, "", 1))
        .collect()
}

#[test]
fn funcs_must_be_registered_with_their_mode_and_declared_connectors() {
    assert_eq!(
        problems(&[
            ("a-func.yml", "kistype: func\nfname: chek\nfmode: Verify\n"),
            (
                "b-func.yml",
                "kistype: func\nfname: ticket\nfmode: Save\noption:\n  cname: Store\n"
            ),
        ]),
        [
            "a-func.yml:2:8: func `chek` is not a registered function: YAML configures functions \
             written with #[kis_function], it cannot define new ones; did you mean `check`?",
            "b-func.yml:2:8: func `ticket` says `fmode: Save`, but the function is registered as \
             Calculate (at tests/tests/pool_checks.rs:22:1); make them agree",
            "b-func.yml:2:8: func `ticket` uses connector `Store`, which no `kistype: conn` file \
             declares",
        ]
    );
}

#[test]
fn flows_must_fit_and_may_not_change_a_flow_declaration() {
    assert_eq!(
        problems(&[
            (
                "a-flow.yml",
                "kistype: flow\nstatus: 1\nflow_name: Declared\nflows:\n  - fname: check\n  - fname: print\n",
            ),
            (
                "b-flow.yml",
                "kistype: flow\nstatus: 1\nflow_name: Empty\nflows: []\n"
            ),
        ]),
        [
            "a-flow.yml:3:12: flow `Declared` is declared in code (at tests/tests/pool_checks.rs:42:1) \
             as check -> ticket -> print; YAML may change its params, status and connectors, not \
             its functions, so list check, ticket, print under `flows`, or give the YAML flow \
             another name",
            "a-flow.yml:6:12: flow `Declared`: function `check` emits rows of type \
             `pool_checks::Order`, but the next function `print` takes rows of type \
             `pool_checks::Ticket`",
            "b-flow.yml:3:12: flow `Empty` lists no functions; add them under `flows`",
        ]
    );
}

#[test]
fn retries_and_jumps_need_rows_that_can_be_copied() {
    assert_eq!(
        problems(&[
            (
                "a-flow.yml",
                "kistype: flow\nstatus: 1\nflow_name: Loop\nflows:\n  - fname: check\n  - fname: ticket\n  - fname: again\n",
            ),
            (
                "b-func.yml",
                "kistype: func\nfname: again\nfmode: Verify\noption:\n  retry_times: 2\n"
            ),
        ]),
        [
            "a-flow.yml:3:12: flow `Loop`: a function of this flow may jump (`actions(jump)`), so \
             every function's input rows are kept for the run and must be `Clone`, but \
             `pool_checks::Ticket`, the input of `again`, is not",
            "b-func.yml:2:8: func `again` has `retry_times: 2`, but its input rows \
             `pool_checks::Ticket` are not `Clone`, and a retry calls it again with the same rows; \
             derive `Clone` for them or set `retry_times: 0`",
        ]
    );
}

/// The line `limit` is registered at, for the messages that name it.
const LIMIT_AT: u32 = line!() + 1;
#[kis_function(mode = "Verify", params(max_qty: u32 = 100, note = "any text"))]
fn limit(ctx: &FlowCtx, rows: Vec<Order>) -> kisflow::Result<Vec<Order>> {
    let max: u32 = ctx.param_as("max_qty")?;
    Ok(rows.into_iter().filter(|o| o.id <= max).collect())
}

#[test]
fn a_param_declared_with_a_type_is_checked_where_yaml_gives_it() {
    assert_eq!(
        problems(&[
            (
                "a-flow.yml",
                "kistype: flow\nstatus: 1\nflow_name: Limited\nflows:\n  - fname: check\n  - fname: limit\n    params:\n      max_qty: five\n      note: 12\n",
            ),
            (
                "b-func.yml",
                "kistype: func\nfname: limit\nfmode: Verify\noption:\n  default_params:\n    max_qty: -3\n"
            ),
        ]),
        [
            format!(
                "a-flow.yml:6:12: flow `Limited` gives param `max_qty` of function `limit` the \
                 value \"five\", which is not a `u32` as the function declares \
                 (`params(max_qty: u32)` at tests/tests/pool_checks.rs:{LIMIT_AT}:1); give a `u32`"
            ),
            format!(
                "b-func.yml:2:8: func `limit` gives param `max_qty` of function `limit` the value \
                 \"-3\", which is not a `u32` as the function declares (`params(max_qty: u32)` \
                 at tests/tests/pool_checks.rs:{LIMIT_AT}:1); give a `u32`"
            ),
        ]
    );
}

#[tokio::test]
async fn a_handler_reads_a_typed_param_and_a_bad_one_is_an_error_naming_it() -> kisflow::Result<()>
{
    let yaml = "kistype: flow\nstatus: 1\nflow_name: Limited\nflows:\n  - fname: limit\n    params:\n      max_qty: 2\n";
    let pool = Pool::new(Config::load_str("flow-Limited.yml", yaml)?)?;
    let mut flow = pool.flow("Limited")?;
    flow.commit(Order { id: 1 })?;
    flow.commit(Order { id: 3 })?;
    flow.run().await?;
    // The default, when nothing is configured; and a value given in code is read the same way.
    let mut flow = kisflow::registry()?.compose("Plain", &["limit"])?;
    flow.commit(Order { id: 100 })?;
    flow.run().await?;
    let mut settings = kisflow::FlowSettings::default();
    settings.stages.push(kisflow::StageSettings {
        flow_params: [("max_qty".to_owned(), "lots".to_owned())].into(),
        ..kisflow::StageSettings::default()
    });
    flow.set_settings(&settings)?;
    flow.commit(Order { id: 1 })?;
    let err = flow.run().await.unwrap_err();
    assert_eq!(
        std::error::Error::source(&err)
            .map(ToString::to_string)
            .as_deref(),
        Some(
            "flow `Plain`: param `max_qty` of function `limit` is \"lots\", which is not a `u32`: \
             invalid digit found in string"
        ),
        "{err}"
    );
    Ok(())
}
