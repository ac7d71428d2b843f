//! Go KisFlow's `test/load_conf` tree (reference section 12), loaded and run: each YAML flow is
//! composed from the registered fixtures of `go/mod.rs` and must print exactly what the same
//! flow declared with `flow!` prints (`conformance.rs` asserts those lines one by one).

mod go;

use go::*;
use kisflow::config::Config;
use kisflow::prelude::*;
use kisflow::{DynFlow, Error, Pool};

const TREE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/load_conf");

fn pool() -> Pool {
    let config = Config::load(TREE).expect("Go's load_conf tree loads");
    // `ConnName1` says `type: redis`: the tests give it as an in-memory store.
    Pool::new(config)
        .expect("the tree fits the registered fixtures")
        .with_connector(&conn_name1())
}

/// The log of one run of a flow from the pool over Go's three rows.
async fn run_yaml(pool: &Pool, name: &str) -> (kisflow::Result<()>, Vec<String>) {
    let mut flow = pool.flow(name).unwrap();
    for row in three_rows() {
        flow.commit(row).unwrap();
    }
    let result = flow.run().await;
    (result, yaml_log(flow.as_ref()))
}

/// What the handlers logged into the flow instance's metadata.
fn yaml_log(flow: &dyn DynFlow) -> Vec<String> {
    log_of(flow.metadata())
}

async fn run_code<S: kisflow::FlowSpec<In = String>>(
    mut flow: Flow<S>,
) -> (kisflow::Result<()>, Vec<String>) {
    flow.commit_batch(three_rows()).unwrap();
    let result = flow.run().await;
    (result, logged(&flow))
}

#[test]
fn the_tree_loads_with_every_kind() {
    let config = Config::load(TREE).unwrap();
    assert_eq!(config.flows().count(), 7);
    assert_eq!(config.funcs().count(), 9);
    assert_eq!(config.conns().count(), 1);
    let global = config.global().unwrap();
    assert!(global.prometheus_enable && global.prometheus_listen);
    assert_eq!(global.prometheus_serve, "0.0.0.0:20004");
}

#[tokio::test]
async fn yaml_flows_print_what_their_flow_declarations_print() {
    let pool = pool();
    let connector = conn_name1();
    let pairs = [
        (
            "flowName1",
            run_code(FlowName1::new().with_connector(&connector).unwrap()).await,
        ),
        ("flowName2", run_code(FlowName2::new()).await),
        ("flowName3", run_code(FlowName3::new()).await),
        ("flowName4", run_code(FlowName4::new()).await),
    ];
    for (yaml_name, (code_result, code_log)) in pairs {
        let (yaml_result, yaml_log) = run_yaml(&pool, yaml_name).await;
        assert!(code_result.is_ok() && yaml_result.is_ok(), "{yaml_name}");
        let code_log: Vec<String> = code_log
            .iter()
            .map(|line| line.replace("FlowName1", "flowName1"))
            .collect();
        assert_eq!(yaml_log, code_log, "{yaml_name}");
        assert!(!yaml_log.is_empty());
    }
}

#[tokio::test]
async fn the_jump_loop_of_flow_name5_is_bounded() {
    let pool = pool();
    let mut flow = pool.flow("flowName5").unwrap();
    flow.set_step_limit(100);
    for row in three_rows() {
        flow.commit(row).unwrap();
    }
    let err = flow.run().await.unwrap_err();
    let Error::StepLimit { cycle, .. } = err else {
        panic!("expected the step limit, got {err:?}");
    };
    assert_eq!(cycle, "funcName1 -> funcName2 -> jumpFunc -> funcName1");
    let headers = yaml_log(flow.as_ref())
        .into_iter()
        .filter(|line| line.starts_with("--->"))
        .count();
    assert_eq!(headers, 100);
}

#[tokio::test]
async fn stu_avg_decodes_json_rows() {
    let pool = pool();
    let mut flow = pool.flow("StuAvg").unwrap();
    flow.commit_json(r#"{"stu_id": 100, "score_1": 1, "score_2": 2, "score_3": 3}"#)
        .unwrap();
    // AvgStuScore's func file lists `must: [stu_id]`.
    let err = flow.commit_json(r#"{"score_1": 1}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "flow `StuAvg`: row 2 lacks the field `stu_id`, which function `AvgStuScore` requires \
         (`source.must`); the row was not committed: {\"score_1\": 1}"
    );
    flow.run().await.unwrap();
    assert_eq!(yaml_log(flow.as_ref()), ["stuid: [100], avg score: [2]"]);
}

#[tokio::test]
async fn a_fork_of_a_yaml_flow_keeps_its_params() {
    let pool = pool();
    let flow = pool.flow("flowFork1").unwrap();
    let mut fork = flow.fork();
    fork.commit("This is Data1 from Test".to_owned()).unwrap();
    fork.run().await.unwrap();
    assert_eq!(yaml_log(fork.as_ref()), FORK1_ONE_ROW);
}

#[test]
fn a_redis_connector_with_several_addresses_is_refused_when_its_flow_is_built() {
    let pool = Pool::new(Config::load(TREE).unwrap()).unwrap();
    let err = pool.flow("flowName1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "connector `ConnName1` (`type: redis`): `addrs: 0.0.0.0:9988,0.0.0.0:9999,0.0.0.0:9990` \
         names several servers, but a redis connector takes one `host:port` (Redis Cluster is \
         not supported)"
    );
}
