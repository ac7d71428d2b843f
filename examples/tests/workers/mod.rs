//! Worker example processes (`stream_worker`, `binlog_worker`) for the tests that run them:
//! started, killed by their own PID, restarted under the same consumer name, stopped with
//! SIGTERM, their `stopped: …` lines read.
#![allow(dead_code, reason = "each test file uses a part of it")]

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a worker may take to exit after SIGTERM: the drain timeout (30 s) and a margin.
pub(crate) const EXIT_WITHIN: Duration = Duration::from_secs(35);

/// One worker process, killed when dropped; its standard error goes to a file per start.
pub(crate) struct Worker {
    pub(crate) consumer: String,
    example: &'static str,
    args: Vec<String>,
    dir: PathBuf,
    starts: usize,
    child: Child,
}

impl Worker {
    /// Starts `stream_worker` with `args`, its standard error in files under `dir`.
    pub(crate) fn start(args: Vec<String>, dir: &std::path::Path, consumer: &str) -> Self {
        Self::start_example("stream_worker", args, dir, consumer)
    }

    /// Starts the worker example `example` with `args`, its standard error in files under `dir`.
    pub(crate) fn start_example(
        example: &'static str,
        args: Vec<String>,
        dir: &std::path::Path,
        consumer: &str,
    ) -> Self {
        let dir = dir.to_owned();
        let child = spawn(example, &args, &dir, consumer, 1);
        Self {
            consumer: consumer.to_owned(),
            example,
            args,
            dir,
            starts: 1,
            child,
        }
    }

    /// SIGKILL, by the child's own PID.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("SIGKILL to the worker");
        self.child.wait().expect("the killed worker's status");
    }

    /// Starts it again, under the same consumer name.
    pub(crate) fn restart(&mut self) {
        self.starts += 1;
        self.child = spawn(
            self.example,
            &self.args,
            &self.dir,
            &self.consumer,
            self.starts,
        );
    }

    /// SIGTERM, by the child's own PID.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("`kill` runs");
        assert!(status.success(), "kill -TERM {} failed", self.child.id());
    }

    /// Waits for the worker to exit; panics, with its standard error, when it takes longer.
    pub(crate) fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "worker {} did not exit within {within:?} of SIGTERM; standard error:\n{}",
                self.consumer,
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub(crate) fn assert_success(&self, status: ExitStatus) {
        assert!(
            status.success(),
            "worker {} exited with {status}; standard error:\n{}",
            self.consumer,
            self.stderr()
        );
    }

    /// The standard error of its latest start.
    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(stderr_path(&self.dir, &self.consumer, self.starts))
            .unwrap_or_default()
    }

    /// The counts of its `stopped: …` line.
    pub(crate) fn report(&self) -> Report {
        let stderr = self.stderr();
        let line = stderr.lines().last().unwrap_or_default();
        parse_report(line).unwrap_or_else(|| {
            panic!(
                "worker {}'s last line is not `stopped: N received, N acked, N dead-lettered`; \
                 standard error:\n{stderr}",
                self.consumer
            )
        })
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn spawn(
    example: &str,
    args: &[String],
    dir: &std::path::Path,
    consumer: &str,
    start: usize,
) -> Child {
    let binary = crate::common::example(example);
    let stderr = std::fs::File::create(stderr_path(dir, consumer, start)).unwrap();
    Command::new(&binary)
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()))
}

pub(crate) fn stderr_path(dir: &std::path::Path, consumer: &str, start: usize) -> PathBuf {
    dir.join(format!("{consumer}-{start}.stderr"))
}

/// SIGTERM to each worker, then each must exit 0 within [`EXIT_WITHIN`]; their reports.
pub(crate) fn stop_all(workers: &mut [Worker]) -> Vec<Report> {
    for worker in workers.iter() {
        worker.terminate();
    }
    workers
        .iter_mut()
        .map(|worker| {
            let status = worker.wait_exit(EXIT_WITHIN);
            worker.assert_success(status);
            worker.report()
        })
        .collect()
}

/// A worker's `stopped: {received} received, {acked} acked, {dead} dead-lettered`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) received: usize,
    pub(crate) acked: usize,
    pub(crate) dead_lettered: usize,
}

pub(crate) fn parse_report(line: &str) -> Option<Report> {
    let rest = line.strip_prefix("stopped: ")?;
    let mut counts = rest.split(", ").map(|part| {
        let (count, _) = part.split_once(' ')?;
        count.parse::<usize>().ok()
    });
    Some(Report {
        received: counts.next()??,
        acked: counts.next()??,
        dead_lettered: counts.next()??,
    })
}

/// Polls `done` every 10 ms; panics naming `what` when it does not hold within `within`.
pub(crate) fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for: {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `SplitMix64`: random enough for kill moments, and the same for the same seed.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}
