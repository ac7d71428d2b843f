//! A throwaway PostgreSQL on a free loopback port with its own data directory, run as the
//! `postgres` user (initdb refuses root) through `setpriv`, so the child process is the server
//! itself and is stopped by its own PID. The tests of one file share one server while any of
//! them runs, each in its own database; the last one to finish stops it. `scripts/test.sh`
//! installs PostgreSQL when it is missing.

#![allow(dead_code, reason = "each test file uses a part of it")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

#[path = "../scratch/mod.rs"]
mod scratch;

/// A running `postgres` child process, with fsync off.
pub(crate) struct Postgres {
    child: Child,
    port: u16,
    dir: PathBuf,
    bin: PathBuf,
}

/// The server the running tests share.
static SHARED: Mutex<Weak<Postgres>> = Mutex::new(Weak::new());

/// The PostgreSQL binaries: the newest `/usr/lib/postgresql/<version>/bin` with an `initdb`.
fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop().expect(
        "PostgreSQL is installed in /usr/lib/postgresql/<version>/bin (scripts/test.sh installs \
         it: apt-get install postgresql)",
    )
}

fn as_postgres(bin: &std::path::Path, program: &str) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
        .arg(bin.join(program));
    command
}

impl Postgres {
    /// The server the tests of this process share, started when none runs.
    pub(crate) fn shared() -> Arc<Self> {
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(server) = shared.upgrade() {
            return server;
        }
        let server = Arc::new(Self::start());
        *shared = Arc::downgrade(&server);
        server
    }

    fn start() -> Self {
        let bin = bin_dir();
        let port = scratch::free_port();
        let dir = scratch::fresh_dir("postgres", port);
        let chown = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&dir)
            .status()
            .expect("chown runs");
        assert!(chown.success(), "chown postgres {} failed", dir.display());
        let data = dir.join("data");
        let out = as_postgres(&bin, "initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let child = spawn_server(&bin, &dir, port);
        let server = Self {
            child,
            port,
            dir,
            bin,
        };
        server.wait_ready();
        server
    }

    /// A server of its own, for a test that stops and starts it.
    pub(crate) fn own() -> Self {
        Self::start()
    }

    /// Stops the server (fast shutdown) and waits for it to exit.
    pub(crate) fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !matches!(self.child.try_wait(), Ok(Some(_))) {
            assert!(
                Instant::now() < deadline,
                "postgres did not stop within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the stopped server again, on the same port and data.
    pub(crate) fn start_again(&mut self) {
        self.child = spawn_server(&self.bin, &self.dir, self.port);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("postgres on port {} did not start within 20 s", self.port);
    }

    /// A new, empty database `name`, and its connection string.
    pub(crate) fn database(&self, name: &str) -> String {
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={name}",
            self.port
        )
    }

    /// Runs `sql` in `database` with `psql`; its rows, one a line, fields split by `|`.
    pub(crate) fn sql(&self, database: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(["-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql `{sql}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn spawn_server(bin: &std::path::Path, dir: &std::path::Path, port: u16) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("log"))
        .unwrap();
    as_postgres(bin, "postgres")
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-p", &port.to_string(), "-k"])
        .arg(dir)
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
        .args(["-c", "max_connections=200"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("postgres starts")
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGINT is PostgreSQL's fast shutdown; the child is the server itself (setpriv execs).
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                let _ = std::fs::remove_dir_all(&self.dir);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
