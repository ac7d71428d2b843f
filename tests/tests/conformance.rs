//! Go KisFlow's `test/` scenarios (reference section 12), run on the ported fixtures of
//! `go/mod.rs`. Each test asserts the lines the handlers wrote, in order, as Go's printed them;
//! where we deliberately differ from Go, the test says so and asserts what we do instead.

mod go;

use go::*;
use kisflow::prelude::*;
use kisflow::{Error, MemoryKv};

fn rows_of(function: &str) -> Vec<String> {
    three_rows()
        .into_iter()
        .map(|row| format!("In FuncName = {function}, row = {row}"))
        .collect()
}

fn rows_from(producer: &str, reader: &str) -> Vec<String> {
    (0..3)
        .map(|i| {
            format!("In FuncName = {reader}, row = data from funcName[{producer}], index = {i}")
        })
        .collect()
}

fn lines(parts: &[&[String]]) -> Vec<String> {
    parts.concat()
}

fn s(text: &str) -> Vec<String> {
    vec![text.to_owned()]
}

const F1_DEFAULTS: &str = "Params = map[default1:funcName1_param1 default2:funcName1_param2]";
const F3_DEFAULTS: &str = "Params = map[default1:funcName3_param1 default2:funcName3_param2]";

/// Scenario 1, `TestActionAbort`: abortFunc ends the run; funcName3 never runs.
#[tokio::test]
async fn s01_action_abort() -> kisflow::Result<()> {
    let mut flow = FlowName2::new();
    flow.commit_batch(three_rows())?;
    flow.run().await?;
    let expected = lines(&[
        &s("---> Call funcName1Handler ----"),
        &s(F1_DEFAULTS),
        &rows_of("funcName1"),
        &s("---> Call AbortFuncHandler ----"),
        &rows_from("funcName1", "abortFunc"),
    ]);
    assert_eq!(logged(&flow), expected);
    Ok(())
}

/// Scenario 2, `TestActionDataReuse`: funcName3 sees dataReuseFunc's input, not its rows.
#[tokio::test]
async fn s02_action_data_reuse() -> kisflow::Result<()> {
    let mut flow = FlowName3::new();
    flow.commit_batch(three_rows())?;
    flow.run().await?;
    let expected = lines(&[
        &s("---> Call funcName1Handler ----"),
        &s(F1_DEFAULTS),
        &rows_of("funcName1"),
        &s("---> Call DataReuseFuncHandler ----"),
        &rows_from("funcName1", "dataReuseFunc"),
        &s("---> Call funcName3Handler ----"),
        &s(F3_DEFAULTS),
        &rows_from("funcName1", "funcName3"),
    ]);
    assert_eq!(logged(&flow), expected);
    Ok(())
}

/// Scenario 3, `TestActionForceEntry`: funcName3 runs although noResultFunc emitted nothing.
#[tokio::test]
async fn s03_action_force_entry_next() -> kisflow::Result<()> {
    let mut flow = FlowName4::new();
    flow.commit_batch(three_rows())?;
    flow.run().await?;
    let expected = lines(&[
        &s("---> Call funcName1Handler ----"),
        &s(F1_DEFAULTS),
        &rows_of("funcName1"),
        &s("---> Call NoResultFuncHandler ----"),
        &rows_from("funcName1", "noResultFunc"),
        &s("---> Call funcName3Handler ----"),
        &s(F3_DEFAULTS),
    ]);
    assert_eq!(logged(&flow), expected);
    Ok(())
}

/// Scenario 4, `TestActionJumpFunc`: Go loops for ever. The step limit ends the run with an
/// error naming the loop, after the cycle repeated as Go's did.
#[tokio::test]
async fn s04_action_jump_func_is_bounded() -> kisflow::Result<()> {
    let conn = conn_name1();
    let mut flow = FlowName5::new().with_step_limit(7).with_connector(&conn)?;
    flow.commit_batch(three_rows())?;
    let err = flow.run().await.unwrap_err();
    assert!(matches!(&err, Error::StepLimit { limit: 7, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "flow `FlowName5`: the run stopped after 7 function calls, its step limit; the jumps loop \
         through funcName1 -> funcName2 -> jumpFunc -> funcName1; end the loop in a handler, or \
         raise the limit with `with_step_limit` (`set_step_limit` on a `DynFlow`)"
    );
    let headers: Vec<String> = logged(&flow)
        .into_iter()
        .filter(|line| line.starts_with("--->"))
        .collect();
    let cycle = [
        "---> Call funcName1Handler ----",
        "---> Call funcName2Handler ----",
        "---> Call JumpFuncHandler ----",
    ];
    let expected: Vec<&str> = cycle.iter().cycle().take(7).copied().collect();
    assert_eq!(headers, expected);
    // Every pass of funcName1 re-reads the source rows, as in Go.
    let first_rows: Vec<String> = logged(&flow)
        .into_iter()
        .filter(|line| line.starts_with("In FuncName = funcName1"))
        .collect();
    assert_eq!(
        first_rows,
        [
            rows_of("funcName1"),
            rows_of("funcName1"),
            rows_of("funcName1")
        ]
        .concat()
    );
    Ok(())
}

/// Scenarios 5 and 6, `TestAutoInjectParam(WithConfig)`: typed rows and JSON rows decode into
/// the handler's type, in commit order; missing JSON fields read as 0.
#[tokio::test]
async fn s05_s06_typed_and_json_rows() -> kisflow::Result<()> {
    let mut flow = StuAvg::new();
    let row = StuScores {
        stu_id: 100,
        score_1: 1,
        score_2: 2,
        score_3: 3,
    };
    flow.commit(row.clone())?;
    flow.commit_json(r#"{"stu_id":101}"#)?;
    flow.commit(row)?;
    flow.run().await?;
    assert_eq!(
        logged(&flow),
        [
            "stuid: [100], avg score: [2]",
            "stuid: [101], avg score: [0]",
            "stuid: [100], avg score: [2]",
        ]
    );
    Ok(())
}

fn flow_name1_expected(flow_name: &str) -> Vec<String> {
    let funcs2: Vec<String> = three_rows()
        .into_iter()
        .flat_map(|row| {
            [
                format!("In FuncName = funcName2, row = {row}"),
                format!(
                    "===> In CaasDemoHandler1: flowName: {flow_name}, cName:ConnName1, fnName:funcName2, mode:Save"
                ),
                "Params = map[args1:value1 args2:value2]".to_owned(),
                format!("===> Call Connector CaasDemoHandler1, args from function: {row}"),
            ]
        })
        .collect();
    // funcName2 reads funcName1's rows.
    let funcs2: Vec<String> = funcs2
        .into_iter()
        .enumerate()
        .map(|(n, line)| {
            let index = n / 4;
            line.replace(
                &format!("This is Data{} from Test", index + 1),
                &format!("data from funcName[funcName1], index = {index}"),
            )
        })
        .collect();
    lines(&[
        &s("---> Call funcName1Handler ----"),
        &s(
            "Params = map[default1:funcName1_param1 default2:funcName1_param2 myKey1:flowValue1-1 myKey2:flowValue1-2]",
        ),
        &rows_of("funcName1"),
        &s("---> Call funcName2Handler ----"),
        &s(
            "Params = map[default1:funcName2_param1 default2:funcName2_param2 myKey1:flowValue2-1 myKey2:flowValue2-2]",
        ),
        &funcs2,
        &s("---> Call funcName3Handler ----"),
        &s(
            "Params = map[default1:funcName3_param1 default2:funcName3_param2 myKey1:flowValue3-1 myKey2:flowValue3-2]",
        ),
        &rows_from("funcName2", "funcName3"),
    ])
}

/// Scenarios 8 and 21, `TestConfigImportYaml` and `TestParams`: default params merged under
/// flow params, the connector reached from a Save function.
#[tokio::test]
async fn s08_s21_params_and_connector() -> kisflow::Result<()> {
    let conn = conn_name1();
    let mut flow = FlowName1::new().with_connector(&conn)?;
    for row in three_rows() {
        flow.commit(row)?;
    }
    flow.run().await?;
    assert_eq!(logged(&flow), flow_name1_expected("FlowName1"));
    Ok(())
}

/// Scenario 12, `TestNewKisConnector`: the connector is initialised once, holds what its
/// function saved, and the connector keeps its own config params.
#[tokio::test]
async fn s12_connector() -> kisflow::Result<()> {
    let conn = conn_name1();
    assert!(!conn.is_ready());
    let mut flow = FlowName1::new().with_connector(&conn)?;
    flow.commit_batch(three_rows())?;
    flow.run().await?;
    assert!(conn.is_ready());
    let store = conn.client::<MemoryKv>()?;
    assert_eq!(store.keys(), ["redis-key0", "redis-key1", "redis-key2"]);
    assert_eq!(
        store.get("redis-key2")?.as_deref(),
        Some("data from funcName[funcName1], index = 2")
    );
    assert!(conn.id().starts_with("conn-") && conn.id().len() == 37);
    Ok(())
}

/// Scenario 13, `TestForkFlowCommitBatch`: a batch commit runs as row-by-row commits do.
#[tokio::test]
async fn s13_commit_batch() -> kisflow::Result<()> {
    let conn = conn_name1();
    let mut flow = FlowName1::new().with_connector(&conn)?;
    flow.commit_batch(three_rows())?;
    flow.run().await?;
    assert_eq!(logged(&flow), flow_name1_expected("FlowName1"));
    Ok(())
}

/// Scenario 14, `TestNewKisFlow`: no rows; funcName1 runs on nothing, emits nothing, and the run
/// ends there, successfully.
#[tokio::test]
async fn s14_no_rows() -> kisflow::Result<()> {
    let mut flow = FlowData::new();
    flow.run().await?;
    assert_eq!(
        logged(&flow),
        ["---> Call funcName1Handler ----", F1_DEFAULTS]
    );
    Ok(())
}

/// Scenarios 15 and 22, `TestNewKisFlowData` and `TestNewKisPool`: funcName4 reads funcName1's
/// rows.
#[tokio::test]
async fn s15_s22_two_functions() -> kisflow::Result<()> {
    let mut flow = FlowData::new();
    flow.commit_batch(three_rows())?;
    flow.run().await?;
    let expected = lines(&[
        &s("---> Call funcName1Handler ----"),
        &s(F1_DEFAULTS),
        &rows_of("funcName1"),
        &s("---> Call FuncDemo4Handler ----"),
        &rows_from("funcName1", "funcName4"),
    ]);
    assert_eq!(logged(&flow), expected);
    Ok(())
}

/// Scenarios 16 and 17, `TestForkFlow(WithLink)`: a fork has the same params under new ids and
/// runs on its own rows.
#[tokio::test]
async fn s16_s17_fork() -> kisflow::Result<()> {
    let flow = FlowFork1::new();
    let params = |f: &Flow<FlowFork1>| -> Vec<String> {
        f.stages().iter().map(|s| go_map(s.params())).collect()
    };
    let mut fork = flow.fork();
    assert_eq!(params(&flow), params(&fork));
    assert_eq!(
        params(&fork),
        [
            "map[default1:funcName1_param1 default2:funcName1_param2 myKey1:flowValue1-1]",
            "map[default1:funcName3_param1 default2:funcName3_param2 myKey1:flowValue3-1]",
        ]
    );
    assert_ne!(flow.id(), fork.id());
    let ids = |f: &Flow<FlowFork1>| -> Vec<String> {
        (0..2)
            .map(|i| f.function_ctx(i).unwrap().function_id().to_owned())
            .collect()
    };
    assert!(ids(&flow).iter().all(|id| !ids(&fork).contains(id)));
    fork.commit("This is Data1 from Test".to_owned())?;
    fork.run().await?;
    assert_eq!(logged(&fork), FORK1_ONE_ROW);
    assert!(logged(&flow).is_empty(), "the original never ran");
    Ok(())
}

/// Scenario 18, `TestNewKisFunction`: a handler is an ordinary function, callable on its own.
#[test]
fn s18_a_handler_is_a_plain_function() {
    let out = avg_stu_score(vec![StuScores {
        stu_id: 1,
        score_1: 3,
        score_2: 3,
        score_3: 3,
    }]);
    assert_eq!(
        out,
        [StuAvgScore {
            stu_id: 1,
            avg_score: 3.0
        }]
    );
}
