//! What the `scheduled_worker` tests share: the example's history read from `history --json`,
//! its instances started, frozen, killed by their own PID and restarted, and scratch
//! directories for their standard error.
#![allow(dead_code, reason = "each test uses a part of it")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One line of `history --json`.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) slot: i64,
    pub(crate) status: String,
    pub(crate) attempt: i64,
    pub(crate) fired: String,
    pub(crate) started_at: Option<f64>,
    pub(crate) error: Option<String>,
}

pub(crate) fn secs(value: &serde_json::Value) -> Option<f64> {
    let t: chrono::DateTime<chrono::Utc> = value.as_str()?.parse().ok()?;
    #[allow(
        clippy::cast_precision_loss,
        reason = "microseconds of a date fit an f64"
    )]
    Some(t.timestamp_micros() as f64 / 1e6)
}

pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

pub(crate) fn whole(t: f64) -> i64 {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "seconds since 1970 fit an i64"
    )]
    let s = t.floor() as i64;
    s
}

/// Runs the example with `args` (a command, not a worker) and returns its standard output.
pub(crate) fn command(url: &str, args: &[&str]) -> String {
    let out = Command::new(crate::common::example("scheduled_worker"))
        .args(["--postgres", url])
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("scheduled_worker runs");
    assert!(
        out.status.success(),
        "scheduled_worker {args:?} exited with {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The whole history of `tick`, by slot; panics when a line is not the documented object.
pub(crate) fn history(url: &str) -> BTreeMap<i64, Vec<Run>> {
    let mut by_slot: BTreeMap<i64, Vec<Run>> = BTreeMap::new();
    for line in command(url, &["history", "--json"]).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in [
            "schedule",
            "slot",
            "instance",
            "attempt",
            "status",
            "started_at",
            "finished_at",
            "error",
        ] {
            assert!(v.get(key).is_some(), "`{key}` missing from {line}");
        }
        assert_eq!(v["schedule"], "tick", "{line}");
        let slot = secs(&v["slot"]).unwrap();
        let run = Run {
            slot: whole(slot),
            status: v["status"].as_str().unwrap().to_owned(),
            attempt: v["attempt"].as_i64().unwrap(),
            fired: v["fired"].as_str().unwrap().to_owned(),
            started_at: secs(&v["started_at"]),
            error: v["error"].as_str().map(str::to_owned),
        };
        by_slot.entry(run.slot).or_default().push(run);
    }
    by_slot
}

pub(crate) fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One `scheduled_worker --instance` process, killed when dropped; its standard error goes to a
/// file per start.
pub(crate) struct Instance {
    name: String,
    args: Vec<String>,
    dir: PathBuf,
    starts: usize,
    pub(crate) child: Child,
}

impl Instance {
    pub(crate) fn start(url: &str, name: &str, extra: &[&str], dir: &Path) -> Self {
        let mut args = vec!["--postgres".to_owned(), url.to_owned()];
        args.extend(["--instance".to_owned(), name.to_owned()]);
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let child = spawn(&args, dir, name, 1);
        Self {
            name: name.to_owned(),
            args,
            dir: dir.to_owned(),
            starts: 1,
            child,
        }
    }

    /// SIGKILL, by the child's own PID.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("SIGKILL to the instance");
        self.child.wait().expect("the killed instance's status");
    }

    pub(crate) fn restart(&mut self) {
        self.starts += 1;
        self.child = spawn(&self.args, &self.dir, &self.name, self.starts);
    }

    /// SIGTERM by its own PID; then it must exit 0 within 35 s.
    pub(crate) fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + Duration::from_secs(35);
        let status: ExitStatus = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{} ignored SIGTERM", self.name);
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            status.success(),
            "{} exited with {status}: {}",
            self.name,
            std::fs::read_to_string(self.stderr_path()).unwrap_or_default()
        );
    }

    pub(crate) fn stderr_path(&self) -> PathBuf {
        self.dir
            .join(format!("{}-{}.stderr", self.name, self.starts))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn spawn(args: &[String], dir: &Path, name: &str, start: usize) -> Child {
    let stderr = std::fs::File::create(dir.join(format!("{name}-{start}.stderr"))).unwrap();
    Command::new(crate::common::example("scheduled_worker"))
        .args(args)
        .env("RUST_LOG", "kisflow=warn")
        .env_remove("KISFLOW_CLOCK_OFFSET_MS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("scheduled_worker starts")
}

/// A directory for one scenario's standard-error files, removed when the scenario passes (kept
/// when it fails, to read them).
pub(crate) struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub(crate) fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("kisflow-scheduled-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

pub(crate) fn succeeded_after(url: &str, slot: i64) -> bool {
    history(url)
        .range(slot..)
        .any(|(_, runs)| runs.iter().any(|r| r.status == "succeeded"))
}

/// Sends `signal` (`-STOP`, `-CONT`) to the instance, by its own PID.
pub(crate) fn signal(instance: &Instance, signal: &str) {
    let pid = instance.child.id().to_string();
    assert!(
        Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );
}
