//! The typed runtime: rows move from each function to the next, runs end as KisFlow's do, errors
//! name their flow and function, and instances never share state.

use std::sync::Mutex;

use kisflow::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Score {
    stu_id: i64,
    score: i64,
}

#[derive(Debug, Clone, PartialEq)]
struct Graded {
    stu_id: i64,
    grade: char,
}

static SEEN_BY_GRADE: Mutex<Vec<Score>> = Mutex::new(Vec::new());
static PRINTED: Mutex<Vec<Graded>> = Mutex::new(Vec::new());

#[kis_function(mode = "Verify")]
fn valid_scores(rows: Vec<Score>) -> Vec<Score> {
    rows.into_iter()
        .filter(|r| (0..=100).contains(&r.score))
        .collect()
}

#[kis_function(mode = "Calculate")]
async fn grade(rows: Vec<Score>) -> kisflow::Result<Vec<Graded>> {
    tokio::task::yield_now().await;
    SEEN_BY_GRADE.lock().unwrap().extend(rows.iter().cloned());
    Ok(rows
        .into_iter()
        .map(|r| Graded {
            stu_id: r.stu_id,
            grade: if r.score >= 90 { 'A' } else { 'B' },
        })
        .collect())
}

#[kis_function(mode = "Expand")]
fn print_grades(rows: Vec<Graded>) {
    PRINTED.lock().unwrap().extend(rows);
}

flow!(Grades: valid_scores -> grade -> print_grades);

#[tokio::test]
async fn each_function_receives_exactly_its_predecessors_output() {
    let mut flow = Grades::new();
    flow.commit(Score {
        stu_id: 1,
        score: 95,
    })
    .unwrap();
    flow.commit(Score {
        stu_id: 2,
        score: 140,
    })
    .unwrap();
    flow.commit_json(r#"{"stu_id":3,"score":80}"#).unwrap();
    flow.commit_json(serde_json::json!({"stu_id": 4, "score": -1}))
        .unwrap();
    flow.run().await.unwrap();

    assert_eq!(
        *SEEN_BY_GRADE.lock().unwrap(),
        vec![
            Score {
                stu_id: 1,
                score: 95
            },
            Score {
                stu_id: 3,
                score: 80
            }
        ],
        "grade sees only what valid_scores kept, in commit order"
    );
    assert_eq!(
        *PRINTED.lock().unwrap(),
        vec![
            Graded {
                stu_id: 1,
                grade: 'A'
            },
            Graded {
                stu_id: 3,
                grade: 'B'
            }
        ]
    );
}

static CALLS_AFTER_EMPTY: Mutex<u32> = Mutex::new(0);

#[kis_function(mode = "Verify")]
fn drop_all(_rows: Vec<i64>) -> Vec<i64> {
    Vec::new()
}

#[kis_function(mode = "Expand")]
fn count_calls(_rows: Vec<i64>) {
    *CALLS_AFTER_EMPTY.lock().unwrap() += 1;
}

flow!(StopsEarly: drop_all -> count_calls);

#[tokio::test]
async fn a_function_that_emits_nothing_ends_the_run_successfully() {
    let mut flow = StopsEarly::new();
    flow.commit_batch([1, 2, 3]).unwrap();
    flow.run().await.unwrap();
    assert_eq!(
        *CALLS_AFTER_EMPTY.lock().unwrap(),
        0,
        "the function after an empty output never runs"
    );
}

#[derive(Debug)]
struct ScoreOutOfRange(i64);

impl std::fmt::Display for ScoreOutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "score {} is out of range", self.0)
    }
}

impl std::error::Error for ScoreOutOfRange {}

static STRICT_SEEN: Mutex<Vec<Vec<i64>>> = Mutex::new(Vec::new());

#[kis_function(mode = "Verify", name = "StrictRange")]
fn strict_range(rows: Vec<i64>) -> Result<Vec<i64>, ScoreOutOfRange> {
    STRICT_SEEN.lock().unwrap().push(rows.clone());
    match rows.iter().find(|n| !(0..=100).contains(*n)) {
        Some(bad) => Err(ScoreOutOfRange(*bad)),
        None => Ok(rows),
    }
}

#[kis_function(mode = "Expand")]
fn ignore(_rows: Vec<i64>) {}

flow!(Strict: strict_range -> ignore);

#[tokio::test]
async fn a_handler_error_names_flow_and_function_and_keeps_its_source() {
    let mut flow = Strict::new();
    flow.commit_batch([10, 200]).unwrap();
    let err = flow.run().await.unwrap_err();

    assert_eq!(
        err.to_string(),
        "flow `Strict`: function `StrictRange` failed"
    );
    let source = std::error::Error::source(&err).expect("the handler's error is the source");
    assert_eq!(source.to_string(), "score 200 is out of range");
    assert!(source.downcast_ref::<ScoreOutOfRange>().is_some());
    assert_eq!(
        format!("{err:?}"),
        "flow `Strict`: function `StrictRange` failed\n\nCaused by:\n    score 200 is out of range"
    );

    // Nothing of the failed run leaks into the next one.
    flow.commit(7).unwrap();
    flow.run().await.unwrap();
    assert_eq!(*STRICT_SEEN.lock().unwrap(), vec![vec![10, 200], vec![7]]);
}

#[kis_function(mode = "Expand")]
fn take_scores(_rows: Vec<Score>) {}

flow!(Intake: take_scores);

#[test]
fn a_json_row_that_does_not_decode_is_rejected_with_its_place_and_reason() {
    let mut flow = Intake::new();
    flow.commit_json(r#"{"stu_id":1,"score":90}"#).unwrap();
    let err = flow
        .commit_json(r#"{"stu_id":2,"score":"ninety"}"#)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "flow `Intake`: row 2 does not decode into `runtime::Score`, the input of function \
         `take_scores`: field `score`: invalid type: string \"ninety\", expected i64 at line 1 \
         column 28; the row was not committed: {\"stu_id\":2,\"score\":\"ninety\"}"
    );
    let err = flow.commit_json("not json").unwrap_err();
    assert!(
        err.to_string()
            .contains("expected ident at line 1 column 2"),
        "{err}"
    );
    let err = flow
        .commit_json(serde_json::json!({"stu_id": 3}))
        .unwrap_err();
    assert!(err.to_string().contains("missing field `score`"), "{err}");
    assert!(
        err.to_string()
            .ends_with(r#"the row was not committed: {"stu_id":3}"#),
        "{err}"
    );
    assert_eq!(flow.committed(), 1, "rows committed before a bad row stay");
}

#[derive(Debug, Deserialize)]
struct Basket {
    #[allow(dead_code, reason = "read only by the decoder")]
    items: Vec<Item>,
}

#[derive(Debug, Deserialize)]
struct Item {
    #[allow(dead_code, reason = "read only by the decoder")]
    qty: u32,
}

#[kis_function(mode = "Expand")]
fn take_baskets(_rows: Vec<Basket>) {}

flow!(Baskets: take_baskets);

#[test]
fn a_decode_error_names_the_path_of_the_field_in_text_and_in_values() {
    let mut flow = Baskets::new();
    let text = r#"{"items": [{"qty": 1}, {"qty": "two"}]}"#;
    let err = flow.commit_json(text).unwrap_err().to_string();
    assert!(
        err.contains("field `items[1].qty`: invalid type: string \"two\", expected u32 at line 1"),
        "{err}"
    );
    // Echoed as it was given, spaces and all.
    assert!(
        err.ends_with(&format!("the row was not committed: {text}")),
        "{err}"
    );
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let err = flow.commit_json(value).unwrap_err().to_string();
    assert!(err.contains("field `items[1].qty`: invalid type"), "{err}");
    // A syntax error has no field yet, and a missing field is about the row itself.
    let err = flow.commit_json(r#"{"items": [}"#).unwrap_err().to_string();
    assert!(!err.contains("field `"), "{err}");
    let err = flow.commit_json("{}").unwrap_err().to_string();
    assert!(err.contains(": missing field `items`"), "{err}");
}

#[test]
fn instances_have_ids_in_go_form_and_their_own_rows() {
    let mut a = Intake::new();
    let b = Intake::new();
    assert_ne!(a.id(), b.id());
    assert!(
        a.id().starts_with("flow-") && a.id().len() == 37,
        "{}",
        a.id()
    );
    a.commit(Score {
        stu_id: 1,
        score: 1,
    })
    .unwrap();
    assert_eq!((a.committed(), b.committed()), (1, 0));
    assert_eq!(a.name(), "Intake");
    assert_eq!(a.stages()[0].function().name(), "take_scores");
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn flows_and_their_runs_are_send() {
    let mut flow = Grades::new();
    assert_send(&flow);
    assert_send(&flow.run());
}

static PANICS_SEEN: Mutex<Vec<i64>> = Mutex::new(Vec::new());

#[kis_function(mode = "Calculate", name = "Fragile")]
fn fragile(rows: Vec<i64>) -> Vec<i64> {
    assert!(!rows.contains(&13), "unlucky row {}", 13);
    rows
}

#[kis_function(mode = "Expand")]
fn keep(rows: Vec<i64>) {
    PANICS_SEEN.lock().unwrap().extend(rows);
}

flow!(Fragility: fragile -> keep);

#[tokio::test]
async fn a_handler_panic_is_an_error_of_that_run_and_the_instance_stays_usable() {
    let mut flow = Fragility::new();
    flow.commit_batch([1, 13]).unwrap();
    let err = flow.run().await.unwrap_err();
    assert!(matches!(err, kisflow::Error::Panic { .. }));
    assert_eq!(
        err.to_string(),
        "flow `Fragility`: function `Fragile` panicked: unlucky row 13"
    );

    flow.commit(2).unwrap();
    flow.run().await.unwrap();
    assert_eq!(
        *PANICS_SEEN.lock().unwrap(),
        vec![2],
        "nothing of the panicking run reached keep"
    );
}

#[tokio::test]
async fn a_fork_is_a_fresh_instance_of_the_same_flow() {
    let mut flow = Intake::new();
    flow.commit(Score {
        stu_id: 9,
        score: 99,
    })
    .unwrap();
    let mut fork = flow.fork();
    assert_ne!(flow.id(), fork.id());
    assert_eq!((flow.committed(), fork.committed()), (1, 0));
    assert_eq!(fork.name(), "Intake");
    fork.commit(Score {
        stu_id: 10,
        score: 10,
    })
    .unwrap();
    fork.run().await.unwrap();
    assert_eq!(
        flow.committed(),
        1,
        "running the fork leaves the original's rows alone"
    );
}
