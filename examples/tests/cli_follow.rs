//! `run --follow` and `run --bad-rows skip` of the embedded command line, as a real process.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const GOOD_1: &str = r#"{"stu_id":101,"score_1":100,"score_2":90,"score_3":80}"#;
const GOOD_2: &str = r#"{"stu_id":102,"score_1":100,"score_2":70,"score_3":60}"#;

fn demo(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kisflow-demo"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A row's output comes while standard input is still open: the run does not wait for EOF.
#[test]
fn follow_runs_rows_as_they_arrive() {
    let mut child = demo(&["run", "AvgScores", "--follow"]).spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    writeln!(input, "{GOOD_1}").unwrap();
    input.flush().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        tx.send(line.clone()).unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut output, &mut rest).unwrap();
        rest
    });
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the first row's output before standard input closes");
    assert_eq!(first, "{\"avg_score\":90.0,\"stu_id\":101}\n");
    writeln!(input, "{GOOD_2}").unwrap();
    drop(input);
    let rest = reader.join().unwrap();
    assert_eq!(rest, "{\"avg_score\":76.66666666666667,\"stu_id\":102}\n");
    assert!(child.wait().unwrap().success());
}

#[test]
fn skip_writes_bad_rows_to_the_dead_letter_file_and_counts_them() {
    let dead = std::env::temp_dir().join(format!("kisflow-cli-dead-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&dead);
    let mut child = demo(&[
        "run",
        "AvgScores",
        "--bad-rows",
        "skip",
        "--dead-letters",
        dead.to_str().unwrap(),
    ])
    .spawn()
    .unwrap();
    let mut input = child.stdin.take().unwrap();
    write!(input, "{GOOD_1}\n\nnot json\n{GOOD_2}\n").unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "{\"avg_score\":90.0,\"stu_id\":101}\n{\"avg_score\":76.66666666666667,\"stu_id\":102}\n"
    );
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!(
            "1 rows skipped, written with their errors to {}\n",
            dead.display()
        )
    );
    let letters = std::fs::read_to_string(&dead).unwrap();
    let letter: serde_json::Value = serde_json::from_str(letters.trim()).unwrap();
    assert_eq!(letter["payload"], "not json");
    assert_eq!(
        letter["id"], "3",
        "the line number, counting the blank line"
    );
    assert_eq!(letter["source"], "<stdin>");
    assert_eq!(letter["kind"], "Decode");
    assert!(
        letter["error"]
            .as_str()
            .unwrap()
            .contains("does not decode")
    );
    std::fs::remove_file(&dead).unwrap();
}

#[test]
fn follow_stops_at_the_first_bad_row_by_default_naming_its_line() {
    let mut child = demo(&["run", "AvgScores", "--follow", "--batch", "1"])
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    write!(input, "{GOOD_1}\nnot json\n").unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "{\"avg_score\":90.0,\"stu_id\":101}\n"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("<stdin>:2: flow `AvgScores`: row 2 does not decode"),
        "{stderr}"
    );
    assert!(
        stderr
            .trim_end()
            .ends_with("the batches before it ran, nothing after it"),
        "{stderr}"
    );
}

#[test]
fn skip_without_a_dead_letter_file_is_a_usage_error() {
    let output = demo(&["run", "AvgScores", "--bad-rows", "skip"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("--dead-letters")
    );
}
