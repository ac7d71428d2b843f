//! Go KisFlow's test configuration tree, `tests/fixtures/load_conf/`, loaded and run: function,
//! flow, connector and global files, composed into flows over the functions of Go's tests.
//!
//! Those functions are the Rust port of Go's `test/faas` handlers, shared with the integration
//! tests (`tests/tests/go/mod.rs`). Instead of printing, each one logs its lines into its flow
//! instance's metadata (under `log`); this example prints every flow's log after its run, so the
//! output shows the flow params, the connector call, and the actions: abort, data reuse, force
//! entry next and jump. `cargo test` checks the same tree line by line, against the same flows
//! declared with `flow!` (`tests/tests/load_conf.rs`).
//!
//! Run it with `cargo run -p kisflow-examples --example load_conf`.

use kisflow::config::Config;
use kisflow::{DynFlow, Pool};

// Reused rather than copied, so the example runs exactly the functions the tests check.
#[path = "../tests/tests/go/mod.rs"]
mod go;

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/load_conf");
    // `ConnName1` says `type: redis` with Go's three addresses, which a redis connector does not
    // take (one server, no cluster): the pool is given an in-memory store of that name instead,
    // with the same address, key and params.
    let pool = Pool::new(Config::load(tree)?)?.with_connector(&go::conn_name1());

    for (name, about) in [
        (
            "flowName1",
            "default params plus flow params; funcName2 saves through ConnName1",
        ),
        ("flowName2", "abortFunc aborts, so funcName3 never runs"),
        (
            "flowName3",
            "dataReuseFunc hands its input on, so funcName3 gets the rows of funcName1",
        ),
        (
            "flowName4",
            "noResultFunc emits nothing but forces funcName3 to run, with no rows",
        ),
    ] {
        println!("== {name}: {about}");
        let mut flow = pool.flow(name)?;
        for row in go::three_rows() {
            flow.commit(row)?;
        }
        flow.run().await?;
        print_log(flow.as_ref());
    }

    // jumpFunc always jumps back to funcName1, so in Go this flow never ends. Here a run makes at
    // most a set number of function calls (`kisflow::DEFAULT_STEP_LIMIT` unless set); 9 is three
    // turns of the loop, and the error names the cycle.
    println!(
        "== flowName5: jumpFunc jumps back to funcName1 every time; a step limit ends the loop"
    );
    let mut flow = pool.flow("flowName5")?;
    flow.set_step_limit(9);
    for row in go::three_rows() {
        flow.commit(row)?;
    }
    let err = flow
        .run()
        .await
        .expect_err("the jump loop only ends at the step limit");
    print_log(flow.as_ref());
    println!("error: {}", err.chain());

    // JSON rows decode into the first function's input type, `StuScores`.
    println!("== StuAvg: a JSON row, decoded into the input type of AvgStuScore");
    let mut flow = pool.flow("StuAvg")?;
    flow.commit_json(r#"{"stu_id": 100, "score_1": 1, "score_2": 2, "score_3": 3}"#)?;
    flow.run().await?;
    print_log(flow.as_ref());
    Ok(())
}

/// Prints what the flow's functions logged into its metadata during the run.
fn print_log(flow: &dyn DynFlow) {
    for line in go::log_of(flow.metadata()) {
        println!("{line}");
    }
}
