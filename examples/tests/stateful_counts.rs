//! The `stateful_counts` contract as real processes against a `redis-server` each test starts:
//! three workers killed with SIGKILL ten times at random moments over 100,000 rows end with the
//! out hash equal to the exact count and sum per key, never more, never less, with the state in
//! Redis and again with it in PostgreSQL (a server the test starts); SIGTERM drains and exits 0;
//! a bad command line exits 2.
//!
//! Build the example first when running this file alone:
//!
//! ```sh
//! cargo build -p kisflow-examples --example stateful_counts
//! cargo test -p kisflow-examples --test stateful_counts
//! ```
//!
//! `KISFLOW_KILL_SEED=<n>` picks other kill moments, victims and rows (the test prints the seed).

// The Redis and the PostgreSQL test servers each include the scratch helpers for their port and
// directory; here both are used.
#![allow(clippy::duplicate_mod)]

mod common;
mod postgres;
mod server;
mod workers;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use postgres::Postgres;
use server::RedisServer;
use workers::{Rng, Worker, stop_all, wait_until};

const STREAM: &str = "readings";
const GROUP: &str = "counters";
const OUT: &str = "counts";
const KEYS: usize = 100;

/// Where the workers keep their state and write the counts.
enum Store {
    Redis,
    /// The connection string of a database and the server it is on.
    Postgres(String, std::sync::Arc<Postgres>),
}

impl Store {
    fn args(&self) -> Vec<String> {
        match self {
            Self::Redis => Vec::new(),
            Self::Postgres(url, _) => vec!["--postgres".to_owned(), url.clone()],
        }
    }

    /// The out hash: key → (count, sum).
    fn counts(&self, con: &mut redis::Connection) -> BTreeMap<String, (u64, i64)> {
        let hash: BTreeMap<String, String> = match self {
            Self::Redis => redis::cmd("HGETALL").arg(OUT).query(con).expect("HGETALL"),
            Self::Postgres(url, server) => {
                // Each look is a psql process: look a few times a second, not a hundred.
                std::thread::sleep(Duration::from_millis(200));
                let database = url.rsplit_once("dbname=").map_or("postgres", |(_, d)| d);
                let table = format!("kisflow_{STREAM}_{GROUP}_hashes");
                let exists = server.sql(
                    database,
                    &format!("SELECT to_regclass('{table}') IS NOT NULL"),
                );
                if exists.trim() != "t" {
                    return BTreeMap::new();
                }
                server
                    .sql(
                        database,
                        &format!("SELECT field, value FROM {table} WHERE hash = '{OUT}'"),
                    )
                    .lines()
                    .filter_map(|line| line.split_once('|'))
                    .map(|(field, value)| (field.to_owned(), value.to_owned()))
                    .collect()
            }
        };
        hash.into_iter()
            .map(|(key, value)| {
                let (count, sum) = value.split_once(',').expect("`count,sum`");
                (key, (count.parse().unwrap(), sum.parse().unwrap()))
            })
            .collect()
    }
}

fn start_workers(server: &RedisServer, store: &Store) -> Vec<Worker> {
    ["c1", "c2", "c3"]
        .iter()
        .map(|consumer| {
            let mut args = [
                "--redis",
                &server.address(),
                "--stream",
                STREAM,
                "--group",
                GROUP,
                "--consumer",
                consumer,
                "--out",
                OUT,
                "--concurrency",
                "2",
                "--batch",
                "100",
                "--claim-idle-ms",
                "500",
            ]
            .map(str::to_owned)
            .to_vec();
            args.extend(store.args());
            Worker::start_example("stateful_counts", args, server.dir(), consumer)
        })
        .collect()
}

fn counted(store: &Store, con: &mut redis::Connection) -> u64 {
    store.counts(con).values().map(|(count, _)| count).sum()
}

fn pending(con: &mut redis::Connection) -> usize {
    let reply: redis::Value = redis::cmd("XPENDING")
        .arg(STREAM)
        .arg(GROUP)
        .query(con)
        .expect("XPENDING");
    match reply {
        redis::Value::Array(parts) => match parts.first() {
            Some(redis::Value::Int(n)) => usize::try_from(*n).unwrap_or(0),
            _ => 0,
        },
        _ => 0,
    }
}

#[test]
fn killed_workers_leave_exactly_the_count_and_sum_of_every_row() {
    killed_workers_count_exactly(&Store::Redis, "stateful");
}

#[test]
fn killed_workers_count_exactly_with_the_state_in_postgres() {
    let server = Postgres::shared();
    let url = server.database("stateful_counts");
    killed_workers_count_exactly(&Store::Postgres(url, server), "stateful-pg");
}

fn killed_workers_count_exactly(store: &Store, name: &str) {
    const N: usize = 100_000;
    const KILLS: usize = 10;
    let started = Instant::now();
    let seed = std::env::var("KISFLOW_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5ca1e_u64);
    eprintln!("kill test: seed {seed} (KISFLOW_KILL_SEED)");
    let mut rng = Rng(seed);
    let server = RedisServer::start(name);
    let mut con = server.connection();
    let rows: Vec<(String, i64)> = (0..N)
        .map(|_| {
            (
                format!("k{}", rng.below(KEYS)),
                i64::try_from(rng.below(21)).unwrap() - 5,
            )
        })
        .collect();
    let mut oracle: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for (key, value) in &rows {
        let entry = oracle.entry(key.clone()).or_default();
        entry.0 += 1;
        entry.1 += value;
    }
    let mut workers = start_workers(&server, store);
    let producer = {
        let mut con = server.connection();
        let rows = rows.clone();
        std::thread::spawn(move || {
            for chunk in rows.chunks(1_000) {
                let mut pipe = redis::pipe();
                for (key, value) in chunk {
                    let row = format!(r#"{{"key":"{key}","value":{value}}}"#);
                    pipe.cmd("XADD")
                        .arg(STREAM)
                        .arg("*")
                        .arg("data")
                        .arg(row)
                        .ignore();
                }
                pipe.query::<()>(&mut con).expect("XADD");
            }
        })
    };
    let mut marks: Vec<u64> = (0..KILLS)
        .map(|_| (N / 50 + rng.below(N * 9 / 10)) as u64)
        .collect();
    marks.sort_unstable();
    for (kill, mark) in marks.into_iter().enumerate() {
        wait_until(
            &format!("{mark} rows counted (before kill {})", kill + 1),
            Duration::from_secs(120),
            || counted(store, &mut con) >= mark,
        );
        std::thread::sleep(Duration::from_millis(rng.below(50) as u64));
        let victim = &mut workers[rng.below(3)];
        eprintln!(
            "kill {}: SIGKILL {} at {} rows counted",
            kill + 1,
            victim.consumer,
            counted(store, &mut con)
        );
        victim.kill();
        victim.restart();
    }
    producer.join().expect("the producer thread");
    wait_until(
        &format!("all {N} rows counted and none pending"),
        Duration::from_secs(120),
        || counted(store, &mut con) >= N as u64 && pending(&mut con) == 0,
    );
    let reports = stop_all(&mut workers);
    let found = store.counts(&mut con);
    assert_eq!(
        found, oracle,
        "the out hash against the exact count and sum per key"
    );
    assert_eq!(
        pending(&mut con),
        0,
        "entries pending after the workers stopped"
    );
    eprintln!(
        "kill test: {N} rows, {KILLS} kills, out hash exact in {:.1} s; reports {reports:?}",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn sigterm_drains_and_a_bad_command_line_exits_2() {
    let server = RedisServer::start("stateful-term");
    let mut con = server.connection();
    let store = Store::Redis;
    let mut workers = start_workers(&server, &store);
    let mut pipe = redis::pipe();
    for i in 0..3_000 {
        pipe.cmd("XADD")
            .arg(STREAM)
            .arg("*")
            .arg("data")
            .arg(format!(r#"{{"key":"k{}","value":1}}"#, i % 3))
            .ignore();
    }
    pipe.cmd("XADD")
        .arg(STREAM)
        .arg("*")
        .arg("data")
        .arg("oops")
        .ignore();
    pipe.query::<()>(&mut con).unwrap();
    wait_until("3,000 rows counted", Duration::from_secs(60), || {
        counted(&store, &mut con) == 3_000
    });
    let reports = stop_all(&mut workers);
    assert_eq!(reports.iter().map(|r| r.dead_lettered).sum::<usize>(), 1);
    let dead: usize = redis::cmd("XLEN")
        .arg(format!("{STREAM}.dlq"))
        .query(&mut con)
        .unwrap();
    assert_eq!(dead, 1);
    let expected: BTreeMap<String, (u64, i64)> =
        (0..3).map(|k| (format!("k{k}"), (1_000, 1_000))).collect();
    assert_eq!(store.counts(&mut con), expected);

    let output = Command::new(common::example("stateful_counts"))
        .args(["--redis", "127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("missing `--stream`") && stderr.contains("usage: stateful_counts"),
        "{stderr}"
    );
}
