//! Every example run as a real process, its standard output compared byte for byte with
//! `examples/expected/<name>.txt`, and its exit code with success.
//!
//! `cargo test` builds the examples of a package next to its tests, in `target/<profile>/examples/`,
//! and this test runs them from there; `common::example` finds them and fails when one is missing
//! or older than one of its sources (a narrower selection such as `cargo test --test outputs` does
//! not build them).
//!
//! When an example's output changes on purpose, rewrite the files from what the examples print:
//!
//! ```sh
//! KISFLOW_BLESS=1 cargo test -p kisflow-examples
//! ```
//!
//! then read `git diff examples/expected` before committing it.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// The examples' directory of expected outputs.
const EXPECTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/expected");

#[test]
fn quick_start() {
    check("quick_start");
}

#[test]
fn commit_kinds() {
    check("commit_kinds");
}

#[test]
fn function_params() {
    check("function_params");
}

#[test]
fn flow_params_fork() {
    check("flow_params_fork");
}

#[test]
fn concurrent_flows() {
    check("concurrent_flows");
}

#[test]
fn actions() {
    check("actions");
}

#[test]
fn connector_join() {
    check("connector_join");
}

#[test]
fn typed_rows() {
    check("typed_rows");
}

#[test]
fn windowed_join() {
    check("windowed_join");
}

#[test]
fn dag_flow() {
    check("dag_flow");
}

#[test]
fn quick_start_with_config() {
    check("quick_start_with_config");
}

#[test]
fn load_conf() {
    check("load_conf");
}

/// The metrics example serves on a free port, which its first line names; `expected/metrics.txt`
/// holds the lines after it.
#[test]
fn metrics() {
    let args = [
        "--seconds",
        "1",
        "--tick-ms",
        "100",
        "--serve",
        "127.0.0.1:0",
    ];
    let stdout = run("metrics", &args);
    let rest = stdout.split_once('\n').map_or("", |(_, rest)| rest);
    compare("metrics", rest);
}

/// `--help` says how to run the metrics example instead of starting it.
#[test]
fn metrics_help_prints_its_usage_and_starts_nothing() {
    let stdout = run("metrics", &["--help"]);
    assert!(
        stdout.starts_with("usage: metrics [--seconds N]"),
        "{stdout}"
    );
    assert!(!stdout.contains("serving http://"), "{stdout}");
}

/// Each `[[example]]` of `examples/Cargo.toml` has a file of expected output, and each file an
/// example: a new example cannot go unchecked, nor a removed one leave its file behind.
#[test]
fn every_example_has_an_expected_output() {
    const CHECKED_ELSEWHERE: [&str; 8] = [
        "stream_worker",
        "stateful_counts",
        "connector_redis",
        "scheduled_worker",
        "with_binlog",
        "binlog_worker",
        "with_rabbitmq",
        "with_kafka",
    ];
    let manifest = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    let mut examples: Vec<&str> = manifest
        .split("[[example]]")
        .skip(1)
        .filter_map(|table| {
            let line = table.lines().find(|l| l.starts_with("name = "))?;
            Some(line.trim_start_matches("name = ").trim_matches('"'))
        })
        .collect();
    // Examples that need a server are checked by their own tests (tests/stream_worker.rs,
    // tests/scheduled_worker.rs, tests/binlog_worker.rs, tests/with_rabbitmq.rs), and so is
    // with_kafka (tests/with_kafka.rs), whose partitions print in no set order.
    examples.retain(|name| !CHECKED_ELSEWHERE.contains(name));
    examples.sort_unstable();
    let mut files: Vec<String> = std::fs::read_dir(EXPECTED)
        .expect("examples/expected/ exists")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort_unstable();
    let wanted: Vec<String> = examples.iter().map(|name| format!("{name}.txt")).collect();
    assert_eq!(
        files, wanted,
        "files in examples/expected/ and [[example]]s in Cargo.toml"
    );
}

/// Runs the example with no arguments and compares all it prints.
fn check(name: &str) {
    compare(name, &run(name, &[]));
}

/// Runs the example as a process and returns its standard output; panics, with its standard
/// error, if it cannot start or does not succeed.
fn run(name: &str, args: &[&str]) -> String {
    let binary = common::example(name);
    let output = Command::new(&binary)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let stdout = String::from_utf8(output.stdout).expect("the output is UTF-8");
    assert!(
        output.status.success(),
        "example `{name}` failed ({}).\nstandard output:\n{stdout}\nstandard error:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Compares the output with `expected/<name>.txt`, or writes it there under `KISFLOW_BLESS=1`.
fn compare(name: &str, actual: &str) {
    let path = Path::new(EXPECTED).join(format!("{name}.txt"));
    if std::env::var_os("KISFLOW_BLESS").is_some_and(|v| v != "0") {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = read(&path);
    assert!(
        actual == expected,
        "example `{name}` printed other than {}\n(- expected, + printed)\n{}\n\
         If the change is intended: KISFLOW_BLESS=1 cargo test -p kisflow-examples",
        path.display(),
        diff(&expected, actual)
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A line diff of the two texts, from their longest common subsequence of lines: lines only in
/// `expected` start with `- `, lines only in `actual` with `+ `, and up to [`CONTEXT`] unchanged
/// lines around them with two spaces. A missing newline at the end is said on a line of its own.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    // lcs[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut lines: Vec<(&str, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push(("  ", a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            lines.push(("- ", a[i]));
            i += 1;
        } else {
            lines.push(("+ ", b[j]));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].0 != "  ").collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= CONTEXT);
    let mut out = String::new();
    let mut skipped = false;
    for (k, (sign, text)) in lines.iter().enumerate() {
        if !near(k) {
            skipped = true;
            continue;
        }
        if skipped {
            out.push_str("  ...\n");
            skipped = false;
        }
        match text.strip_suffix('\n') {
            Some(text) => writeln!(out, "{sign}{text}").unwrap(),
            None => writeln!(out, "{sign}{text}\n\\ no newline at the end").unwrap(),
        }
    }
    if skipped {
        out.push_str("  ...\n");
    }
    out
}

/// How many unchanged lines the diff shows before and after a change.
const CONTEXT: usize = 3;
