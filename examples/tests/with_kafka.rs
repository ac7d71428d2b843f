//! The `with_kafka` example run as a process against the mock cluster it starts in-process: it
//! prints one line per valid row (every row whose id `VerifyStu` keeps), each exactly once, and
//! exits 0; a bad command line exits 2.
//!
//! ```sh
//! cargo build -p kisflow-examples --example with_kafka
//! cargo test -p kisflow-examples --test with_kafka
//! ```

mod common;

use std::collections::BTreeMap;
use std::process::Command;

/// The line `PrintStuAvgScore` prints for row `i`, when the row is valid: every tenth row has an
/// id of 1000 or more and is filtered out.
fn expected_line(i: i64) -> Option<String> {
    if i % 10 == 9 {
        return None;
    }
    let scores = [60 + i % 40, 70 + i % 30, 80 + i % 20];
    #[allow(clippy::cast_precision_loss, reason = "small scores")]
    let avg = scores.iter().sum::<i64>() as f64 / 3.0;
    Some(format!("stuid: [{}], avg score: [{avg}]", 100 + i))
}

#[test]
fn with_kafka_prints_one_line_per_valid_row() {
    const ROWS: i64 = 300;
    let output = Command::new(common::example("with_kafka"))
        .args(["--rows", &ROWS.to_string()])
        .env_remove("RUST_LOG")
        .output()
        .expect("with_kafka runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {}; standard error:\n{stderr}",
        output.status
    );
    let mut printed: BTreeMap<&str, usize> = BTreeMap::new();
    for line in stdout.lines() {
        *printed.entry(line).or_default() += 1;
    }
    let expected: Vec<String> = (0..ROWS).filter_map(expected_line).collect();
    assert_eq!(expected.len(), 270);
    for line in &expected {
        assert_eq!(
            printed.get(line.as_str()),
            Some(&1),
            "`{line}` printed once"
        );
    }
    assert_eq!(printed.len(), expected.len(), "no other line:\n{stdout}");
    assert!(
        stderr.contains("consumed 300 rows of topic `SourceStuScore` with 5 flow instances: 300 acked, 0 dead-lettered"),
        "{stderr}"
    );
}

#[test]
fn a_bad_command_line_exits_with_2_and_the_usage() {
    let output = Command::new(common::example("with_kafka"))
        .args(["--rows", "none"])
        .output()
        .expect("with_kafka runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`--rows` must be a positive number, not `none`"),
        "{stderr}"
    );
    assert!(stderr.contains("usage: with_kafka"), "{stderr}");
}
