//! The binlog examples as real processes against a `mariadbd` each test starts with the binlog
//! on: `binlog_worker` killed with SIGKILL during a burst of 10,000 inserts and restarted loses no
//! row and never stores a position ahead of its sink; SIGTERM drains and a restart hands out
//! nothing again; a bad command line exits 2; `with_binlog` prints the typed changes.
//!
//! Build the examples first when running this file alone:
//!
//! ```sh
//! cargo build -p kisflow-examples --example binlog_worker --example with_binlog
//! cargo test -p kisflow-examples --test binlog_worker
//! ```
//!
//! `KISFLOW_KILL_SEED=<n>` picks other kill moments (the test prints the seed it used).

mod common;
#[path = "../../tests/tests/mariadb/mod.rs"]
mod mariadb;
mod workers;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use mariadb::MariaDb;
use workers::{EXIT_WITHIN, Rng, Worker, wait_until};

const BATCH: usize = 100;
const CONCURRENCY: usize = 2;
/// Rows per inserting transaction: each insert commits on its own.
const TXN: usize = 1;

/// Runs SQL through the `mariadb` client.
fn sql(server: &MariaDb, script: &str) {
    let mut client = Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", &format!("-P{}", server.port)])
        .stdin(Stdio::piped())
        .spawn()
        .expect("the mariadb client is installed (scripts/test.sh installs mariadb-server)");
    client
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(
        client.wait().unwrap().success(),
        "mariadb failed on:\n{script}"
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kisflow-binlog-worker-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn worker_args(server: &MariaDb, dir: &Path) -> Vec<String> {
    [
        "--mysql",
        &server.url(),
        "--table",
        "shop.orders",
        "--positions",
        &dir.join("position.json").display().to_string(),
        "--sink",
        &dir.join("sink").display().to_string(),
        "--batch",
        &BATCH.to_string(),
        "--concurrency",
        &CONCURRENCY.to_string(),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The sink's whole lines: row id and the row's place in the binlog.
fn sink(dir: &Path) -> Vec<(i64, (u32, u64))> {
    let text = std::fs::read_to_string(dir.join("sink")).unwrap_or_default();
    let whole = text.rfind('\n').map_or("", |end| &text[..end]);
    whole
        .lines()
        .map(|line| {
            let (id, place) = line.split_once(' ').expect("`<id> <file>:<pos>`");
            (id.parse().unwrap(), place_of(place))
        })
        .collect()
}

/// `binlog.000001:1234` as (1, 1234), which orders as the binlog does.
fn place_of(place: &str) -> (u32, u64) {
    let (file, pos) = place.rsplit_once(':').unwrap();
    (
        file.rsplit_once('.').unwrap().1.parse().unwrap(),
        pos.parse().unwrap(),
    )
}

fn stored(dir: &Path) -> (u32, u64) {
    let text = std::fs::read_to_string(dir.join("position.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let file = value["file"].as_str().unwrap();
    place_of(&format!("{file}:{}", value["pos"]))
}

fn inserts(ids: std::ops::RangeInclusive<usize>) -> String {
    let mut script = String::new();
    let ids: Vec<usize> = ids.collect();
    for chunk in ids.chunks(TXN) {
        let values: Vec<String> = chunk
            .iter()
            .map(|id| format!("({id}, 'row {id}')"))
            .collect();
        script.push_str("INSERT INTO shop.orders VALUES ");
        script.push_str(&values.join(", "));
        script.push_str(
            ";
",
        );
    }
    script
}

fn prepare(server: &MariaDb) {
    sql(
        server,
        "CREATE DATABASE shop; CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, note VARCHAR(20));",
    );
}

/// 10,000 inserts while the worker is killed with SIGKILL three times at random moments and
/// restarted: at each kill, every row before the stored position is already in the sink; in the
/// end every row is, and the rows written twice stay within what the kills can explain.
#[test]
fn a_killed_worker_loses_no_row_and_its_position_never_passes_the_sink() {
    let seed = std::env::var("KISFLOW_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0xb1_u64);
    eprintln!("kill test: seed {seed} (KISFLOW_KILL_SEED)");
    let mut rng = Rng(seed);
    let server = MariaDb::start("kill");
    prepare(&server);
    let dir = scratch("kill");
    let mut worker = Worker::start_example("binlog_worker", worker_args(&server, &dir), &dir, "w1");
    wait_until(
        "the worker saves its start position",
        Duration::from_secs(30),
        || dir.join("position.json").exists(),
    );
    // Kills land when the sink reaches random row counts (and a random few ms later), so each
    // falls inside the burst, often between a batch's sink write and its position save.
    let mut thresholds: Vec<usize> = (0..3).map(|_| 500 + rng.below(9_000)).collect();
    thresholds.sort_unstable();
    let mut kills = Vec::new();
    std::thread::scope(|scope| {
        let burst = scope.spawn(|| sql(&server, &inserts(1..=10_000)));
        for threshold in thresholds {
            wait_until("the sink to grow", Duration::from_secs(60), || {
                sink(&dir).len() >= threshold
            });
            std::thread::sleep(Duration::from_millis(rng.below(20) as u64));
            worker.kill();
            let at_kill: BTreeSet<i64> = sink(&dir).into_iter().map(|(id, _)| id).collect();
            eprintln!(
                "kill: {} rows in the sink, position {:?}",
                at_kill.len(),
                stored(&dir)
            );
            kills.push((stored(&dir), at_kill));
            worker.restart();
        }
        burst.join().unwrap();
    });
    wait_until("every row in the sink", Duration::from_secs(120), || {
        sink(&dir)
            .iter()
            .map(|(id, _)| *id)
            .collect::<BTreeSet<_>>()
            .len()
            == 10_000
    });
    worker.terminate();
    let status = worker.wait_exit(EXIT_WITHIN);
    worker.assert_success(status);

    let lines = sink(&dir);
    let places: BTreeMap<i64, (u32, u64)> = lines.iter().copied().collect();
    assert_eq!(
        places.keys().copied().collect::<Vec<_>>(),
        (1..=10_000).collect::<Vec<_>>()
    );
    for (kill, (position, at_kill)) in kills.iter().enumerate() {
        let behind: Vec<i64> = places
            .iter()
            .filter(|(id, place)| **place < *position && !at_kill.contains(id))
            .map(|(id, _)| *id)
            .collect();
        assert!(
            behind.is_empty(),
            "kill {kill}: stored {position:?} passed rows not yet in the sink: {behind:?}"
        );
    }
    let twice = lines.len() - 10_000;
    let bound = kills.len() * (BATCH * CONCURRENCY + TXN);
    eprintln!("rows written twice: {twice} (bound {bound})");
    assert!(
        twice <= bound,
        "{twice} rows written twice, more than {bound} the kills explain"
    );
}

#[test]
fn sigterm_drains_and_a_restart_hands_out_nothing_again() {
    let server = MariaDb::start("term");
    prepare(&server);
    let dir = scratch("term");
    let mut worker = Worker::start_example("binlog_worker", worker_args(&server, &dir), &dir, "w1");
    wait_until(
        "the worker saves its start position",
        Duration::from_secs(30),
        || dir.join("position.json").exists(),
    );
    sql(&server, &inserts(1..=500));
    wait_until("500 rows in the sink", Duration::from_secs(60), || {
        sink(&dir).len() == 500
    });
    worker.terminate();
    let status = worker.wait_exit(EXIT_WITHIN);
    worker.assert_success(status);
    assert_eq!(worker.report().acked, 500);

    worker.restart();
    sql(&server, "INSERT INTO shop.orders VALUES (501, 'last');");
    wait_until(
        "the row after the restart in the sink",
        Duration::from_secs(30),
        || sink(&dir).len() >= 501,
    );
    worker.terminate();
    let status = worker.wait_exit(EXIT_WITHIN);
    worker.assert_success(status);
    let ids: Vec<i64> = sink(&dir).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        (1..=501).collect::<Vec<_>>(),
        "nothing handed out twice after a clean stop"
    );
}

#[test]
fn a_bad_command_line_exits_2_with_usage() {
    let output = Command::new(common::example("binlog_worker"))
        .args([
            "--mysql",
            "mysql://root@127.0.0.1:1/",
            "--table",
            "shop.orders",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("missing `--positions`") && stderr.contains("usage: binlog_worker"),
        "{stderr}"
    );
}

#[test]
fn with_binlog_prints_the_typed_changes_a_flow_sees() {
    let server = MariaDb::start("with");
    let output = Command::new(common::example("with_binlog"))
        .args(["--mysql", &server.url()])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout,
        "insert order 1: pen x2\ninsert order 2: ink x1\ninsert order 3: pad x5\n\
         update order 1: qty 2 -> 4\ndelete order 2: ink x1\n"
    );
}
