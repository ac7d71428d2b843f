//! The `stream_worker` example run as real processes against a `redis-server` each test starts:
//! workers killed with SIGKILL and restarted lose nothing, three workers share a stream, SIGTERM
//! drains, undecodable rows go to the dead-letter stream byte for byte, and a bad command line
//! exits with 2.
//!
//! The example binary comes from `target/<profile>/examples/` (see `common`): `cargo test -p
//! kisflow-examples` builds it; for this file alone, build it first:
//!
//! ```sh
//! cargo build -p kisflow-examples --example stream_worker
//! cargo test -p kisflow-examples --test stream_worker
//! ```
//!
//! `KISFLOW_KILL_SEED=<n>` picks other kill moments and victims for the kill test (it prints the
//! seed it used).

mod common;
mod server;
mod workers;

use std::collections::{BTreeMap, BTreeSet};

use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use redis::Value;
use server::RedisServer;
use workers::{EXIT_WITHIN, Rng, Worker, stop_all, wait_until};

const STREAM: &str = "scores";
const DLQ: &str = "scores.dlq";
const GROUP: &str = "averages";
const SINK: &str = "avg";
const ROWS: &str = "avg:rows";

/// The tests with workers run one at a time: each has a server, three workers and a producer, and
/// on a machine with two cores they would slow each other down past their bounds.
static HEAVY: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// 100,000 rows while a worker is killed with SIGKILL 10 times at random moments and restarted
/// under the same consumer name: every row ends in the sink, nothing stays pending, and the rows
/// written twice stay within what the kills can explain.
#[test]
fn killed_workers_lose_nothing_and_duplicate_a_bounded_number() {
    const N: usize = 100_000;
    const KILLS: usize = 10;
    const BATCH: usize = 100;
    const CONCURRENCY: usize = 1;
    let _heavy = one_at_a_time();
    let started = Instant::now();
    let seed = std::env::var("KISFLOW_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    eprintln!("kill test: seed {seed} (KISFLOW_KILL_SEED)");
    let mut rng = Rng(seed);

    let server = RedisServer::start("kill");
    let mut con = server.connection();
    let extra = [
        "--claim-idle-ms",
        "500",
        "--batch",
        &BATCH.to_string(),
        "--concurrency",
        &CONCURRENCY.to_string(),
    ];
    let mut workers = start_workers(&server, &extra);
    wait_for_consumers(&mut con, 3);

    let producer = {
        let mut con = server.connection();
        std::thread::spawn(move || add(&mut con, N, |i| row(i).into_bytes()))
    };
    // The kills at random points of progress, spread over the run, each a random few
    // milliseconds after its point, of a random worker.
    let mut marks: Vec<usize> = (0..KILLS).map(|_| N / 50 + rng.below(N * 9 / 10)).collect();
    marks.sort_unstable();
    for (kill, mark) in marks.into_iter().enumerate() {
        wait_until(
            &format!("{mark} rows saved (before kill {})", kill + 1),
            Duration::from_secs(60),
            || hlen(&mut con) >= mark,
        );
        std::thread::sleep(Duration::from_millis(rng.below(50) as u64));
        let victim = &mut workers[rng.below(3)];
        eprintln!(
            "kill {}: SIGKILL {} at {} rows saved",
            kill + 1,
            victim.consumer,
            hlen(&mut con)
        );
        victim.kill();
        victim.restart();
    }
    let ids = producer.join().expect("the producer thread");
    assert_eq!(ids.len(), N);
    eprintln!(
        "kill test: all kills done and all {N} entries added at {:.1} s",
        started.elapsed().as_secs_f64()
    );
    wait_until(
        &format!("all {N} rows saved and none pending"),
        Duration::from_secs(60),
        || hlen(&mut con) == N && pending(&mut con) == 0,
    );
    stop_all(&mut workers);

    assert_eq!(hlen(&mut con), N, "rows in the sink");
    assert_all_ids(&mut con, &(0..N).collect());
    assert_eq!(
        pending(&mut con),
        0,
        "entries pending after the workers stopped"
    );
    assert_eq!(xlen(&mut con, DLQ), 0, "dead letters");
    let written = rows_written(&mut con);
    let duplicates = written - N;
    // A SIGKILL can land between a batch's MULTI/EXEC to the sink and its XACK: each worker holds
    // at most CONCURRENCY fetched, unacked batches of at most BATCH entries, and those may all be
    // written already. They stay pending and are delivered once more (to the restarted consumer,
    // which reads its own pending entries first, or to a peer claiming them after 500 ms idle) and
    // written again: CONCURRENCY × BATCH per kill. Delivering them again is itself a race: the
    // restarted worker's reread resets their idle time, but a debug build starting on a loaded
    // machine can take over 500 ms to write them, and then a peer claims and writes the same
    // batch too. That is at most one more batch per kill, so the bound is
    // KILLS × BATCH × (CONCURRENCY + 1). Entries a peer claims from a live worker that stalls
    // over 500 ms would add to it; they need a stall that long and stay rare.
    let bound = KILLS * BATCH * (CONCURRENCY + 1);
    eprintln!(
        "kill test: {written} rows written for {N} entries: {duplicates} duplicates \
         (bound {bound}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        duplicates <= bound,
        "{duplicates} rows written twice after {KILLS} kills, more than the bound of {bound}"
    );
}

/// Three workers, 30,000 rows, no failures: each worker gets a share and every row is written
/// exactly once.
#[test]
fn three_workers_share_the_stream() {
    const N: usize = 30_000;
    let _heavy = one_at_a_time();
    let started = Instant::now();
    let server = RedisServer::start("share");
    let mut con = server.connection();
    let mut workers = start_workers(&server, &[]);
    wait_for_consumers(&mut con, 3);
    add(&mut con, N, |i| row(i).into_bytes());
    wait_until(
        &format!("all {N} rows saved and none pending"),
        Duration::from_secs(60),
        || hlen(&mut con) == N && pending(&mut con) == 0,
    );
    let reports = stop_all(&mut workers);

    assert_eq!(rows_written(&mut con), N, "rows written (`{ROWS}`)");
    assert_all_ids(&mut con, &(0..N).collect());
    for (worker, report) in workers.iter().zip(&reports) {
        assert!(
            report.received > 0,
            "worker {} received nothing: {report:?}",
            worker.consumer
        );
    }
    let received: usize = reports.iter().map(|r| r.received).sum();
    assert_eq!(
        received, N,
        "rows received by the three workers: {reports:?}"
    );
    eprintln!(
        "share test: {:?} received in {:.1} s",
        reports.iter().map(|r| r.received).collect::<Vec<_>>(),
        started.elapsed().as_secs_f64()
    );
}

/// SIGTERM to a worker in the middle of a busy stream: it finishes and acks its batch in flight
/// and exits 0 within the drain timeout, leaving nothing pending under its name.
#[test]
fn sigterm_drains_and_exits_0() {
    const N: usize = 20_000;
    let _heavy = one_at_a_time();
    let server = RedisServer::start("drain");
    let mut con = server.connection();
    let started = Instant::now();
    let mut workers = start_workers(&server, &[]);
    wait_for_consumers(&mut con, 3);
    // Rows keep coming while w1 is stopped, so it stops in the middle of a busy stream.
    let producer = {
        let mut con = server.connection();
        std::thread::spawn(move || add(&mut con, N, |i| row(i).into_bytes()))
    };
    wait_until("2,000 rows saved", Duration::from_secs(60), || {
        hlen(&mut con) >= 2_000
    });
    let saved = hlen(&mut con);
    let pending_before = pending_of(&mut con, "w1");
    let signalled = Instant::now();
    workers[0].terminate();
    let status = workers[0].wait_exit(EXIT_WITHIN);
    let took = signalled.elapsed();
    eprintln!(
        "drain test: SIGTERM at {saved} of {N} rows saved, w1 holding {pending_before}; exited \
         in {:.3} s",
        took.as_secs_f64()
    );
    assert!(
        saved < N,
        "the stream was done before the SIGTERM ({saved} rows saved): nothing was in flight"
    );
    workers[0].assert_success(status);
    assert_eq!(
        pending_of(&mut con, "w1"),
        0,
        "entries left pending under w1 after it drained"
    );
    let report = workers[0].report();
    assert_eq!(
        report.received, report.acked,
        "w1 acked all it received: {report:?}"
    );

    // The other two finish the stream.
    assert_eq!(producer.join().expect("the producer thread").len(), N);
    wait_until(
        &format!("all {N} rows saved and none pending"),
        Duration::from_secs(60),
        || hlen(&mut con) == N && pending(&mut con) == 0,
    );
    stop_all(&mut workers[1..]);
    assert_all_ids(&mut con, &(0..N).collect());
    eprintln!("drain test: {:.1} s", started.elapsed().as_secs_f64());
}

/// 10,000 rows, 1 % of them undecodable (JSON of the wrong shape, or bytes that are not UTF-8):
/// exactly those are in the dead-letter stream with their original bytes and entry ids, and all
/// the others in the sink.
#[test]
fn poison_rows_go_to_the_dead_letter_stream() {
    const N: usize = 10_000;
    let _heavy = one_at_a_time();
    let started = Instant::now();
    let server = RedisServer::start("poison");
    let mut con = server.connection();
    let mut workers = start_workers(&server, &[]);
    wait_for_consumers(&mut con, 3);
    let poison = |i: usize| i % 100 == 37;
    let payload = |i: usize| {
        if !poison(i) {
            row(i).into_bytes()
        } else if i % 200 == 37 {
            format!(r#"{{"stu_id":"bad-{i}"}}"#).into_bytes()
        } else {
            let mut garbage = vec![0xff, 0xfe, 0x00, 0xc3];
            garbage.extend_from_slice(&i.to_le_bytes());
            garbage
        }
    };
    let ids = add(&mut con, N, payload);
    let good: BTreeSet<usize> = (0..N).filter(|&i| !poison(i)).collect();
    let bad = N - good.len();
    assert_eq!(bad, N / 100);
    wait_until(
        &format!(
            "{} rows saved, {bad} dead letters and none pending",
            good.len()
        ),
        Duration::from_secs(60),
        || hlen(&mut con) == good.len() && xlen(&mut con, DLQ) == bad && pending(&mut con) == 0,
    );
    stop_all(&mut workers);

    assert_all_ids(&mut con, &good);
    assert_eq!(
        rows_written(&mut con),
        good.len(),
        "rows written (`{ROWS}`)"
    );
    let expected: BTreeMap<String, Vec<u8>> = (0..N)
        .filter(|&i| poison(i))
        .map(|i| (ids[i].clone(), payload(i)))
        .collect();
    let letters = dead_letters(&mut con);
    assert_eq!(letters.len(), bad, "entries in {DLQ}");
    let mut found = BTreeMap::new();
    for letter in &letters {
        let source_id = String::from_utf8(letter["source_id"].clone()).unwrap();
        assert!(
            !letter.get("error").is_none_or(Vec::is_empty),
            "dead letter of {source_id} has no error"
        );
        found.insert(source_id, letter["data"].clone());
    }
    assert!(
        found == expected,
        "dead letters (source_id -> data) differ from the poison rows sent:\n sent {:?}\n got {:?}",
        expected.keys().collect::<Vec<_>>(),
        found.keys().collect::<Vec<_>>()
    );
    eprintln!(
        "poison test: {bad} dead letters, {} rows saved in {:.1} s",
        good.len(),
        started.elapsed().as_secs_f64()
    );
}

/// A command line without `--redis` is refused with exit code 2 and the usage.
#[test]
fn missing_redis_exits_2_with_usage() {
    let binary = common::example("stream_worker");
    let mut child = Command::new(&binary)
        .args([
            "--stream",
            "s",
            "--group",
            "g",
            "--consumer",
            "c",
            "--sink",
            "h",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stream_worker without --redis did not exit within 10 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(
        status.code(),
        Some(2),
        "exit code; standard error:\n{stderr}"
    );
    assert!(stderr.contains("usage:"), "standard error:\n{stderr}");
    assert!(stderr.contains("--redis"), "standard error:\n{stderr}");
}

/// The JSON row of student `i`.
fn row(i: usize) -> String {
    format!(
        r#"{{"stu_id":{i},"score_1":{},"score_2":{},"score_3":{}}}"#,
        i % 100,
        (i / 7) % 100,
        (i / 13) % 100
    )
}

/// XADDs `n` entries with `data` = `payload(i)`, pipelined 1,000 at a time; their ids in order.
fn add(con: &mut redis::Connection, n: usize, payload: impl Fn(usize) -> Vec<u8>) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        let end = (start + 1_000).min(n);
        let mut pipe = redis::pipe();
        for i in start..end {
            pipe.cmd("XADD")
                .arg(STREAM)
                .arg("*")
                .arg("data")
                .arg(payload(i));
        }
        let chunk: Vec<String> = pipe.query(con).expect("XADD");
        ids.extend(chunk);
        start = end;
    }
    ids
}

/// Waits until the group has `n` consumers: the workers are connected and reading.
fn wait_for_consumers(con: &mut redis::Connection, n: usize) {
    wait_until(
        &format!("{n} consumers in group {GROUP}"),
        Duration::from_secs(30),
        || {
            redis::cmd("XINFO")
                .arg("CONSUMERS")
                .arg(STREAM)
                .arg(GROUP)
                .query::<Vec<Value>>(con)
                .is_ok_and(|consumers| consumers.len() >= n)
        },
    );
}

fn hlen(con: &mut redis::Connection) -> usize {
    redis::cmd("HLEN").arg(SINK).query(con).expect("HLEN")
}

fn xlen(con: &mut redis::Connection, stream: &str) -> usize {
    redis::cmd("XLEN").arg(stream).query(con).expect("XLEN")
}

/// `GET avg:rows`: the rows the workers wrote, counting each write again.
fn rows_written(con: &mut redis::Connection) -> usize {
    redis::cmd("GET")
        .arg(ROWS)
        .query::<Option<usize>>(con)
        .expect("GET")
        .unwrap_or(0)
}

/// The group's pending entries, from `XPENDING`'s summary.
fn pending(con: &mut redis::Connection) -> usize {
    let summary: Vec<Value> = redis::cmd("XPENDING")
        .arg(STREAM)
        .arg(GROUP)
        .query(con)
        .expect("XPENDING");
    match summary.first() {
        Some(Value::Int(count)) => usize::try_from(*count).unwrap(),
        other => panic!("XPENDING summary starts with {other:?}"),
    }
}

/// The entries pending under `consumer` (up to 100,000).
fn pending_of(con: &mut redis::Connection, consumer: &str) -> usize {
    redis::cmd("XPENDING")
        .arg(STREAM)
        .arg(GROUP)
        .arg("-")
        .arg("+")
        .arg(100_000)
        .arg(consumer)
        .query::<Vec<Value>>(con)
        .expect("XPENDING")
        .len()
}

/// Asserts the sink's fields are exactly the student ids `expected`.
fn assert_all_ids(con: &mut redis::Connection, expected: &BTreeSet<usize>) {
    let keys: Vec<String> = redis::cmd("HKEYS").arg(SINK).query(con).expect("HKEYS");
    let found: BTreeSet<usize> = keys
        .iter()
        .map(|key| key.parse().unwrap_or_else(|_| panic!("sink field `{key}`")))
        .collect();
    let missing: Vec<_> = expected.difference(&found).take(10).collect();
    let extra: Vec<_> = found.difference(expected).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "sink ids: {} missing (first: {missing:?}), {} unexpected (first: {extra:?})",
        expected.difference(&found).count(),
        found.difference(expected).count()
    );
}

/// Each entry of the dead-letter stream as its fields.
fn dead_letters(con: &mut redis::Connection) -> Vec<BTreeMap<String, Vec<u8>>> {
    let entries: Vec<Value> = redis::cmd("XRANGE")
        .arg(DLQ)
        .arg("-")
        .arg("+")
        .query(con)
        .expect("XRANGE");
    let bytes = |value: &Value| match value {
        Value::BulkString(bytes) => bytes.clone(),
        Value::SimpleString(text) => text.clone().into_bytes(),
        other => panic!("a field of a dead letter is {other:?}"),
    };
    entries
        .iter()
        .map(|entry| {
            let Value::Array(parts) = entry else {
                panic!("an XRANGE entry is {entry:?}")
            };
            let Some(Value::Array(fields)) = parts.get(1) else {
                panic!("an XRANGE entry is {entry:?}")
            };
            fields
                .chunks(2)
                .map(|pair| (String::from_utf8(bytes(&pair[0])).unwrap(), bytes(&pair[1])))
                .collect()
        })
        .collect()
}

/// Workers w1, w2 and w3 of the group.
fn start_workers(server: &RedisServer, extra: &[&str]) -> Vec<Worker> {
    ["w1", "w2", "w3"]
        .iter()
        .map(|consumer| {
            let mut args: Vec<String> = [
                "--redis",
                &server.address(),
                "--stream",
                STREAM,
                "--group",
                GROUP,
                "--consumer",
                consumer,
                "--sink",
                SINK,
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            Worker::start(args, server.dir(), consumer)
        })
        .collect()
}
