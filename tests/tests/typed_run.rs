//! The typed run of a `flow!` chain agrees with the erased loop on everything a run can meet:
//! rows, an empty batch, handler errors, panics, abort and force-entry actions, an `async fn`
//! handler in the middle, metrics and the step limit. Each scenario runs twice: with no
//! subscriber, so the run goes typed, and under a subscriber that wants every level, which
//! sends it through the erased loop; both transcripts must be the same.
//!
//! One test function runs every scenario in turn: a subscriber makes every thread's runs take
//! the erased loop while it exists, so no other test of this binary installs one.

use std::cell::RefCell;

use kisflow::prelude::*;
use kisflow::{FlowSpec, Metrics};

thread_local! {
    /// What the handlers saw, in order.
    static SEEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn note(line: String) {
    SEEN.with(|seen| seen.borrow_mut().push(line));
}

fn take_seen() -> Vec<String> {
    SEEN.with(|seen| std::mem::take(&mut *seen.borrow_mut()))
}

/// Keeps even numbers; `0` aborts the run after this call, `13` fails it, `99` panics.
#[kis_function(mode = "Verify", name = "Evens")]
fn evens(ctx: &FlowCtx, rows: Vec<i64>) -> kisflow::Result<Vec<i64>> {
    note(format!("Evens {rows:?}"));
    assert!(!rows.contains(&99), "ninety-nine");
    if rows.contains(&13) {
        ctx.abort(); // an action left behind by a failed call must not reach the next run
        return Err(kisflow::Error::msg("thirteen is unlucky"));
    }
    if rows.contains(&0) {
        ctx.abort();
    }
    Ok(rows.into_iter().filter(|n| n % 2 == 0).collect())
}

#[kis_function(mode = "Calculate", name = "Halve")]
fn halve(rows: Vec<i64>) -> Vec<i64> {
    note(format!("Halve {rows:?}"));
    rows.into_iter().map(|n| n / 2).collect()
}

/// Lets nothing through, and asks for the next function all the same.
#[kis_function(mode = "Verify", name = "NoneButGoOn")]
fn none_but_go_on(ctx: &FlowCtx, rows: Vec<i64>) -> Vec<i64> {
    note(format!("NoneButGoOn {rows:?}"));
    ctx.force_entry_next();
    Vec::new()
}

#[kis_function(mode = "Calculate", name = "AsyncText")]
async fn async_text(rows: Vec<i64>) -> Vec<String> {
    tokio::task::yield_now().await;
    note(format!("AsyncText {rows:?}"));
    rows.iter().map(ToString::to_string).collect()
}

#[kis_function(mode = "Expand", name = "PrintNumbers")]
fn print_numbers(rows: Vec<i64>) {
    note(format!("PrintNumbers {rows:?}"));
}

#[kis_function(mode = "Expand", name = "PrintTexts")]
fn print_texts(rows: Vec<String>) {
    note(format!("PrintTexts {rows:?}"));
}

flow!(Numbers: evens -> halve -> print_numbers);
flow!(GoOn: halve -> none_but_go_on -> print_numbers);
flow!(Awaits: evens -> async_text -> print_texts);
flow!(Forks: halve -> [print_numbers, evens -> print_numbers]);

/// Runs `flow` over each batch in turn, with metrics, and tells what happened: each run's
/// result, what the handlers saw, and the metrics' counters (durations vary; their counts do
/// not).
async fn transcript<S: FlowSpec<In = i64>>(flow: Flow<S>, batches: &[&[i64]]) -> Vec<String> {
    let metrics = Metrics::new();
    let mut flow = flow.with_metrics(&metrics);
    let mut lines = Vec::new();
    for batch in batches {
        flow.commit_batch(batch.iter().copied()).unwrap();
        let outcome = match flow.run().await {
            Ok(()) => "ok".to_owned(),
            Err(err) => error_chain(&err),
        };
        lines.push(format!("run {batch:?}: {outcome}"));
        lines.extend(take_seen());
    }
    lines.extend(
        metrics
            .encode()
            .lines()
            .filter(|line| {
                !line.starts_with('#')
                    && (line.contains("_total") || line.contains("duration_count"))
            })
            .map(str::to_owned),
    );
    lines
}

/// `err` and its sources, as one line.
fn error_chain(err: &kisflow::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// Every scenario, as a transcript per flow.
async fn scenarios() -> Vec<Vec<String>> {
    vec![
        // Rows, a batch emptied in the middle, an abort, an error, then a panic.
        transcript(
            Numbers::new(),
            &[
                &[1, 2, 3, 4],
                &[1, 3],
                &[0, 2, 4],
                &[13, 2],
                &[6],
                &[99],
                &[8],
            ],
        )
        .await,
        // Force entry next: the sink is called with no rows.
        transcript(GoOn::new(), &[&[2, 4], &[]]).await,
        // An `async fn` in the middle.
        transcript(Awaits::new(), &[&[1, 2, 4], &[0, 2], &[13]]).await,
        // A step limit below the number of functions.
        transcript(Numbers::new().with_step_limit(2), &[&[2, 4]]).await,
        // Branches take the erased loop either way.
        transcript(Forks::new(), &[&[8, 9]]).await,
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_typed_run_and_the_erased_loop_tell_the_same_story() {
    let typed = runtime().block_on(scenarios());
    let erased = tracing::subscriber::with_default(tracing_subscriber::registry(), || {
        assert!(tracing::level_enabled!(tracing::Level::INFO));
        runtime().block_on(scenarios())
    });
    assert_eq!(typed, erased);

    // And the story is the one expected, not merely the same twice.
    let numbers = &typed[0];
    let expected_start = [
        "run [1, 2, 3, 4]: ok",
        "Evens [1, 2, 3, 4]",
        "Halve [2, 4]",
        "PrintNumbers [1, 2]",
        "run [1, 3]: ok",
        "Evens [1, 3]",
        "run [0, 2, 4]: ok",
        "Evens [0, 2, 4]",
    ];
    assert_eq!(numbers[..expected_start.len()], expected_start);
    let text = numbers.join("\n");
    assert!(
        text.contains("run [13, 2]: flow `Numbers`: function `Evens` failed: thirteen is unlucky")
    );
    assert!(text.contains("run [6]: ok\nEvens [6]\nHalve [6]\nPrintNumbers [3]"));
    assert!(text.contains("run [99]: flow `Numbers`: function `Evens` panicked: ninety-nine"));
    assert!(text.contains("run [8]: ok\nEvens [8]\nHalve [8]\nPrintNumbers [4]"));
    assert!(text.contains(r#"func_rows_in_total{func_name="Evens",func_mode="Verify"} 14"#));
    assert!(text.contains(r#"func_errors_total{func_name="Evens",func_mode="Verify"} 2"#));
    assert!(text.contains(r#"flow_failed_runs_total{flow_name="Numbers"} 2"#));

    let go_on = typed[1].join("\n");
    assert!(
        go_on.contains("NoneButGoOn [1, 2]\nPrintNumbers []"),
        "{go_on}"
    );

    let awaits = typed[2].join("\n");
    assert!(
        awaits.contains("AsyncText [2, 4]\nPrintTexts [\"2\", \"4\"]"),
        "{awaits}"
    );

    let limited = typed[3].join("\n");
    assert!(limited.contains("step limit"), "{limited}");
}

#[test]
fn flow_writes_a_typed_run_for_a_chain_only() {
    assert!(<Numbers as FlowSpec>::TYPED.is_some());
    assert!(<Awaits as FlowSpec>::TYPED.is_some());
    assert!(<Forks as FlowSpec>::TYPED.is_none());
}
