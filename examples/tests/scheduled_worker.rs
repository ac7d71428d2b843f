//! The `scheduled_worker` example run as real processes against a PostgreSQL this file starts
//! (one server, a database per scenario): every slot runs exactly once while instances are
//! killed with SIGKILL and one runs with its clock 2 s ahead; the three misfire policies after
//! all instances were down; pause, trigger and resume; a failing slot; a frozen owner fenced
//! off; a timeout; YAML schedules under `kisflow serve`; a bad command line. The history each
//! test reads is the example's own `history --json`. The tests run in parallel, each in its
//! own database of one PostgreSQL, which the last of them stops.
//!
//! The example binary comes from `target/<profile>/examples/` (see `common`): `cargo test -p
//! kisflow-examples` builds it; for this file alone, build it first:
//!
//! ```sh
//! cargo build -p kisflow-examples --example scheduled_worker
//! cargo test -p kisflow-examples --test scheduled_worker
//! ```

mod common;
mod postgres;
mod scheduled;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::schedule::{Firing, Schedule, Scheduler};
use postgres::Postgres;
use scheduled::{
    Instance, Run, command, history, now, scratch, signal, succeeded_after, wait_until, whole,
};

/// Every slot of a 60 s window runs exactly once and succeeds, while one of three instances is
/// killed with SIGKILL every 10 s and started again, and one runs with its clock 2 s ahead.
#[test]
fn every_slot_runs_exactly_once_through_kills_and_clock_skew() {
    let pg = Postgres::shared();
    let url = pg.database("exactly_once");
    let dir = scratch("exactly-once");
    let mut instances = vec![
        Instance::start(&url, "a", &[], &dir),
        Instance::start(&url, "b", &[], &dir),
        Instance::start(&url, "skewed", &["--clock-offset-ms", "2000"], &dir),
    ];
    let started = whole(now());
    wait_until("a first run", Duration::from_secs(30), || {
        succeeded_after(&url, started)
    });
    let first = whole(now()) + 1;
    for round in 0..6 {
        std::thread::sleep(Duration::from_secs(10));
        let victim = &mut instances[round % 3];
        victim.kill();
        victim.restart();
    }
    let last = whole(now()) - 1;
    // A run killed mid-way is retried when its 5 s lease runs out.
    wait_until(
        "every slot of the window to end",
        Duration::from_secs(30),
        || {
            let h = history(&url);
            (first..=last).all(|s| {
                h.get(&s)
                    .is_some_and(|runs| runs.iter().all(|r| r.status == "succeeded"))
            })
        },
    );
    for instance in &mut instances {
        instance.stop();
    }
    let h = history(&url);
    let mut retried = 0;
    for slot in first..=last {
        let runs = &h[&slot];
        assert_eq!(
            runs.len(),
            1,
            "slot {slot} has {} runs: {runs:?}",
            runs.len()
        );
        let run = &runs[0];
        assert_eq!(
            (run.status.as_str(), run.fired.as_str()),
            ("succeeded", "cron"),
            "{run:?}"
        );
        // Nobody starts a slot early, whatever its clock: the database's clock decides.
        assert!(run.started_at.unwrap() >= f64::from(u32::try_from(slot).unwrap()) - 0.001);
        retried += usize::from(run.attempt > 1);
    }
    assert!(
        h.values().all(|runs| runs.len() == 1),
        "a slot has two runs"
    );
    // What the flow recorded: every slot of the window, at most once per attempt.
    let ticks = pg.sql(
        "exactly_once",
        &format!(
            "SELECT extract(epoch FROM slot)::bigint, count(*) FROM scheduled_worker_ticks \
             WHERE slot >= to_timestamp({first}) AND slot <= to_timestamp({last}) GROUP BY 1"
        ),
    );
    let recorded: BTreeMap<i64, i64> = ticks
        .lines()
        .map(|l| {
            let (s, n) = l.split_once('|').unwrap();
            (s.parse().unwrap(), n.parse().unwrap())
        })
        .collect();
    for slot in first..=last {
        let n = recorded.get(&slot).copied().unwrap_or(0);
        assert!(
            n >= 1 && n <= h[&slot][0].attempt,
            "slot {slot} recorded {n} times by its flow, attempts {}",
            h[&slot][0].attempt
        );
    }
    eprintln!(
        "{} slots ran exactly once, {retried} of them after a retry",
        last - first + 1
    );
}

/// All instances down for 14 s (more than the 2 s grace plus 10 slots), then up again.
fn misfire(policy: &str, db: &str) -> Vec<Run> {
    let pg = Postgres::shared();
    let url = pg.database(db);
    let dir = scratch(db);
    let args = ["--misfire", policy];
    let mut instances = vec![
        Instance::start(&url, "a", &args, &dir),
        Instance::start(&url, "b", &args, &dir),
    ];
    let started = whole(now());
    wait_until("a first run", Duration::from_secs(30), || {
        succeeded_after(&url, started + 1)
    });
    for instance in &mut instances {
        instance.stop();
    }
    std::thread::sleep(Duration::from_secs(14));
    let back = whole(now());
    for instance in &mut instances {
        instance.restart();
    }
    wait_until("runs after the restart", Duration::from_secs(30), || {
        let h = history(&url);
        succeeded_after(&url, back + 2)
            && h.range(..back)
                .flat_map(|(_, runs)| runs)
                .all(|r| r.status != "scheduled" && r.status != "running")
    });
    for instance in &mut instances {
        instance.stop();
    }
    let h = history(&url);
    assert!(
        h.values().all(|runs| runs.len() == 1),
        "a slot has two runs"
    );
    let runs: Vec<Run> = h.into_values().flatten().collect();
    let skipped = runs.iter().filter(|r| r.status == "skipped").count();
    let catch_up: Vec<&Run> = runs.iter().filter(|r| r.fired == "catch_up").collect();
    assert!(
        catch_up.iter().all(|r| r.status == "succeeded"),
        "{catch_up:?}"
    );
    eprintln!(
        "{policy}: {} catch-up runs, {skipped} skipped",
        catch_up.len()
    );
    runs
}

#[test]
fn misfire_policies_after_downtime() {
    let results = std::thread::scope(|scope| {
        let skip = scope.spawn(|| misfire("skip", "misfire_skip"));
        let once = scope.spawn(|| misfire("fire_once", "misfire_once"));
        let back = scope.spawn(|| misfire("backfill(10)", "misfire_backfill"));
        [skip, once, back].map(|t| t.join().unwrap())
    });
    let catch_ups = results
        .iter()
        .map(|runs| runs.iter().filter(|r| r.fired == "catch_up").count());
    assert_eq!(catch_ups.collect::<Vec<_>>(), [0, 1, 10]);
    // What is not caught up is recorded as skipped: 14 s down, 2 s grace.
    for runs in &results {
        let missed = runs
            .iter()
            .filter(|r| r.status == "skipped" || r.fired == "catch_up")
            .count();
        assert!(missed >= 11, "only {missed} slots were missed: {runs:?}");
    }
    // Backfill runs the latest ten missed slots, one after another.
    let slots: Vec<i64> = results[2]
        .iter()
        .filter(|r| r.fired == "catch_up")
        .map(|r| r.slot)
        .collect();
    assert_eq!(slots.last().unwrap() - slots[0], 9, "{slots:?}");
}

/// A paused schedule starts no run on any instance once the pause is 1 s old, a trigger still
/// runs it by hand, and a resume picks up at the next slot without running the paused ones.
#[test]
fn pause_trigger_and_resume() {
    let pg = Postgres::shared();
    let url = pg.database("pause");
    let dir = scratch("pause");
    let mut instances = vec![
        Instance::start(&url, "a", &[], &dir),
        Instance::start(&url, "b", &[], &dir),
    ];
    let started = whole(now());
    wait_until("a first run", Duration::from_secs(30), || {
        succeeded_after(&url, started + 1)
    });
    command(&url, &["pause", "tick"]);
    let paused = now();
    assert!(command(&url, &["list"]).contains("tick  paused"));
    std::thread::sleep(Duration::from_secs(4));
    let manual = command(&url, &["trigger", "tick"]);
    assert!(manual.starts_with("run "), "{manual}");
    wait_until("the triggered run", Duration::from_secs(10), || {
        history(&url)
            .values()
            .flatten()
            .any(|r| r.fired == "manual" && r.status == "succeeded")
    });
    let resumed = now();
    command(&url, &["resume", "tick"]);
    wait_until("a run after the resume", Duration::from_secs(10), || {
        succeeded_after(&url, whole(resumed) + 1)
    });
    for instance in &mut instances {
        instance.stop();
    }
    let h = history(&url);
    for run in h.values().flatten() {
        let started = run.started_at.unwrap_or(f64::MAX);
        if run.fired != "manual" && started > paused + 1.0 {
            assert!(started > resumed, "run started while paused: {run:?}");
        }
    }
    let first_after = h
        .values()
        .flatten()
        .find(|r| r.fired == "cron" && r.started_at.is_some_and(|t| t > resumed))
        .expect("a run after the resume");
    assert!(
        first_after.slot <= whole(resumed) + 2,
        "the first run after the resume at {resumed} is for slot {}",
        first_after.slot
    );
}

/// A handler that fails in one slot: the history says failed, with the error, after its
/// retry; the next slot runs normally.
#[test]
fn a_failing_slot_is_recorded_and_the_next_runs() {
    let pg = Postgres::shared();
    let url = pg.database("failing");
    let dir = scratch("failing");
    let bad = whole(now()) + 5;
    let mut instance = Instance::start(&url, "a", &["--fail-slot", &bad.to_string()], &dir);
    wait_until(
        "the slot after the failing one",
        Duration::from_secs(30),
        || {
            history(&url)
                .get(&(bad + 1))
                .is_some_and(|runs| runs[0].status == "succeeded")
                && history(&url)
                    .get(&bad)
                    .is_some_and(|r| r[0].status == "failed")
        },
    );
    instance.stop();
    let h = history(&url);
    let failed = &h[&bad][0];
    assert_eq!(failed.attempt, 2, "one retry: {failed:?}");
    let error = failed.error.as_deref().unwrap();
    assert!(
        error.contains("function `RecordSlot` failed")
            && error.contains(&format!("slot {bad} was told to fail (--fail-slot)")),
        "{error}"
    );
    assert_eq!(h[&(bad + 1)][0].attempt, 1);
}

#[test]
fn a_bad_command_line_exits_with_2_and_the_usage() {
    for args in [
        &[][..],
        &["--postgres"][..],
        &["--postgres", "host=x", "--instance"][..],
        &[
            "--postgres",
            "host=x",
            "--instance",
            "a",
            "--misfire",
            "often",
        ][..],
        &["--postgres", "host=x", "history", "--yaml"][..],
        &["--postgres", "host=x", "pause"][..],
    ] {
        let out = Command::new(common::example("scheduled_worker"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("usage: scheduled_worker --postgres URL"),
            "{stderr}"
        );
    }
}

/// The fencing token at work: an instance frozen (SIGSTOP) in the middle of a run loses it when
/// its lease runs out, another instance runs it again as attempt 2, and when the first thaws
/// (SIGCONT) neither its flow's write nor its result is recorded.
#[test]
fn a_frozen_owner_cannot_record_a_late_result() {
    let pg = Postgres::shared();
    let url = pg.database("fencing");
    let dir = scratch("fencing");
    let mut sleeper = Instance::start(&url, "sleeper", &["--sleep-ms", "2500"], &dir);
    let mut frozen_run = None;
    wait_until(
        "a run of the slow instance",
        Duration::from_secs(30),
        || {
            frozen_run = history(&url)
                .values()
                .flatten()
                .find(|r| r.status == "running")
                .map(|r| r.slot);
            frozen_run.is_some()
        },
    );
    signal(&sleeper, "-STOP");
    let frozen_at = now();
    let slot = frozen_run.unwrap();
    let mut other = Instance::start(&url, "other", &[], &dir);
    wait_until(
        "the take-over of the frozen run",
        Duration::from_secs(20),
        || {
            history(&url)
                .get(&slot)
                .is_some_and(|r| r[0].status == "succeeded")
        },
    );
    // The lease is 5 s: nobody took the run over before it ran out.
    assert!(
        now() - frozen_at >= 4.9,
        "taken over {} s after the freeze",
        now() - frozen_at
    );
    signal(&sleeper, "-CONT");
    std::thread::sleep(Duration::from_secs(4));
    for instance in [&mut sleeper, &mut other] {
        instance.stop();
    }
    let h = history(&url);
    let run = &h[&slot][0];
    assert_eq!(run.attempt, 2, "{run:?}");
    let ticks = pg.sql(
        "fencing",
        &format!(
            "SELECT attempt, instance FROM scheduled_worker_ticks WHERE slot = to_timestamp({slot})"
        ),
    );
    assert_eq!(
        ticks, "2|other\n",
        "the frozen attempt wrote after losing its run"
    );
}

/// A run that takes longer than its timeout is marked `timed_out`, after its one retry, with
/// the reason.
#[test]
fn a_run_past_its_timeout_is_timed_out_and_retried() {
    let pg = Postgres::shared();
    let url = pg.database("timeouts");
    let dir = scratch("timeouts");
    let args = ["--sleep-ms", "3000", "--timeout-ms", "1000"];
    let mut instance = Instance::start(&url, "a", &args, &dir);
    wait_until("a timed-out run", Duration::from_secs(30), || {
        history(&url)
            .values()
            .flatten()
            .any(|r| r.status == "timed_out")
    });
    instance.stop();
    let h = history(&url);
    let run = h
        .values()
        .flatten()
        .find(|r| r.status == "timed_out")
        .unwrap();
    assert_eq!(run.attempt, 2, "{run:?}");
    assert_eq!(
        run.error.as_deref(),
        Some("the run took longer than its timeout of 1s")
    );
    assert!(h.values().flatten().all(|r| r.status != "succeeded"));
}

/// PostgreSQL stops for 4 s under a running instance: it keeps running, says it is retrying, and
/// runs the schedule again once the database is back.
#[test]
fn an_instance_rides_out_a_database_restart() {
    let mut pg = Postgres::own();
    let url = pg.database("restart");
    let dir = scratch("restart");
    let mut instance = Instance::start(&url, "a", &[], &dir);
    let started = whole(now());
    wait_until("a first run", Duration::from_secs(30), || {
        succeeded_after(&url, started + 1)
    });
    pg.stop();
    let down = now();
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        instance.child.try_wait().unwrap().is_none(),
        "the instance exited while the database was down"
    );
    let restarting = now();
    pg.start_again();
    let back = whole(now());
    wait_until("a run after the restart", Duration::from_secs(30), || {
        succeeded_after(&url, back + 1)
    });
    instance.stop();
    let stderr = std::fs::read_to_string(instance.stderr_path()).unwrap();
    assert!(
        stderr.contains("schedule coordinator unavailable; trying again"),
        "{stderr}"
    );
    let h = history(&url);
    assert!(h.values().all(|runs| runs.len() == 1));
    assert!(
        h.values()
            .flatten()
            .filter_map(|r| r.started_at)
            .all(|t| t < down || t > restarting),
        "a run started while the database was down"
    );
}

fn demo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

/// `kisflow serve` runs the config's `kistype: schedule` beside its flows, and
/// `kisflow schedules …` reads and steers it through the same database.
#[test]
fn serve_runs_yaml_schedules_and_the_cli_steers_them() {
    let pg = Postgres::shared();
    let url = pg.database("serve_yaml");
    let dir = scratch("serve-yaml");
    std::fs::write(
        dir.join("schedule-avg.yml"),
        "kistype: schedule\nname: averages\nflow: AvgScores\ncron: \"* * * * * *\"\n\
         time_zone: Asia/Shanghai\nmisfire: fire_once\n\
         rows:\n  - {stu_id: 1, score_1: 90, score_2: 80, score_3: 70}\n  - {stu_id: 2, score_1: 60, score_2: 60, score_3: 60}\n",
    )
    .unwrap();
    let conf = dir.to_str().unwrap();
    let stderr = std::fs::File::create(dir.join("serve.stderr")).unwrap();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
        .args([
            "serve",
            "--config",
            conf,
            "--postgres",
            &url,
            "--instance",
            "s1",
        ])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let history = || {
        let out = demo(&["schedules", "history", "--postgres", &url, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    wait_until("a YAML schedule's run", Duration::from_secs(30), || {
        history().lines().any(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["schedule"] == "averages" && v["status"] == "succeeded" && v["rows"] == 2
        })
    });
    let listed = demo(&["schedules", "list", "--postgres", &url]);
    assert!(String::from_utf8_lossy(&listed.stdout).starts_with("averages  active  next slot "));
    let paused = demo(&["schedules", "pause", "averages", "--postgres", &url]);
    assert_eq!(
        String::from_utf8_lossy(&paused.stdout),
        "paused `averages`\n"
    );
    let unknown = demo(&["schedules", "resume", "nightly", "--postgres", &url]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("schedule `nightly`: no instance has registered it"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let pid = serve.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = serve.wait().unwrap();
    assert!(status.success(), "serve exited with {status}");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut serve.stdout.take().unwrap(), &mut out).unwrap();
    assert!(out.contains("serving schedules averages"), "{out}");
}

/// A bad cron expression or time zone in YAML is a problem at its `file:line:column`, naming
/// the field and why.
#[test]
fn a_bad_yaml_schedule_names_the_field_and_place() {
    let dir = scratch("bad-yaml");
    std::fs::write(
        dir.join("schedule-bad.yml"),
        "kistype: schedule\nname: bad\nflow: AvgScores\ncron: \"61 * * * * *\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("schedule-zone.yml"),
        "kistype: schedule\nname: zone\nflow: AvgScores\ncron: \"* * * * * *\"\ntime_zone: Mars/Olympus\nmisfire: often\n",
    )
    .unwrap();
    let out = demo(&["validate", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = |name: &str| dir.join(name).display().to_string();
    for expected in [
        format!(
            "{}:4:7: schedule `bad`: `cron` \"61 * * * * *\" does not parse: ",
            file("schedule-bad.yml")
        ),
        format!(
            "{}:5:12: schedule `zone`: `time_zone` \"Mars/Olympus\" is not an IANA time zone",
            file("schedule-zone.yml")
        ),
        format!(
            "{}:6:10: `misfire`: unknown misfire policy \"often\", expected one of \"skip\", \"fire_once\", \"backfill(N)\"",
            file("schedule-zone.yml")
        ),
    ] {
        assert!(stderr.contains(&expected), "{expected}\nnot in:\n{stderr}");
    }
}

#[kis_function(mode = "Expand", name = "NoteFiring")]
fn note_firing(rows: Vec<Firing>) -> kisflow::Result<()> {
    match rows.first() {
        Some(f) if f.schedule == "metered" => Ok(()),
        other => Err(kisflow::Error::msg(format!("unexpected firing {other:?}"))),
    }
}

flow!(NoteFirings: note_firing);

/// A scheduler in this process records runs by status, lateness and duration per schedule.
#[test]
fn runs_are_measured_per_schedule() {
    let pg = Postgres::shared();
    let url = pg.database("metered");
    let metrics = kisflow::Metrics::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(
            Scheduler::new(&url, "in-process")
                .schedule(Schedule::new("metered", "* * * * * *", "NoteFirings").unwrap())
                .with_metrics(&metrics)
                .run_until(async { tokio::time::sleep(Duration::from_millis(3500)).await }),
        )
        .unwrap();
    let text = metrics.encode();
    let count = |series: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no `{series}` in:\n{text}"))
    };
    let succeeded = count("schedule_runs_total{schedule=\"metered\",status=\"succeeded\"}");
    assert!(succeeded >= 1, "{text}");
    assert_eq!(
        count("schedule_lateness_count{schedule=\"metered\"}"),
        succeeded
    );
    assert_eq!(
        count("schedule_run_duration_count{schedule=\"metered\"}"),
        succeeded
    );
    let recorded = pg.sql(
        "metered",
        "SELECT count(*) FROM kis_run WHERE schedule = 'metered' AND status = 'succeeded'",
    );
    assert_eq!(recorded.trim(), succeeded.to_string());
}

#[kis_function(mode = "Expand", name = "SumLoaded")]
fn sum_loaded(rows: Vec<i64>) -> kisflow::Result<()> {
    if rows.len() == 2 && rows[1] == 1 {
        Ok(())
    } else {
        Err(kisflow::Error::msg(format!("unexpected rows {rows:?}")))
    }
}

flow!(SumLoadedRows: sum_loaded);

/// A schedule's load function makes each run's rows from its firing.
#[test]
fn a_load_function_gives_each_run_its_rows() {
    let pg = Postgres::shared();
    let url = pg.database("loaded");
    let schedule = Schedule::new("loaded", "* * * * * *", "SumLoadedRows")
        .unwrap()
        .load(|firing: Firing| async move {
            Ok(vec![
                serde_json::json!(firing.slot.timestamp()),
                serde_json::json!(firing.attempt),
            ])
        });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(
            Scheduler::new(&url, "in-process")
                .schedule(schedule)
                .run_until(async { tokio::time::sleep(Duration::from_millis(2500)).await }),
        )
        .unwrap();
    let runs = pg.sql(
        "loaded",
        "SELECT status, rows FROM kis_run WHERE started_at IS NOT NULL ORDER BY slot",
    );
    assert!(!runs.is_empty());
    assert!(runs.lines().all(|l| l == "succeeded|2"), "{runs}");
}
