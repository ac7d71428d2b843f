//! A throwaway `redis-server` on a free loopback port with its own data directory, stopped by its
//! own PID when dropped (the approach of `tests/tests/server/mod.rs`). `scripts/test.sh` installs
//! the binary when it is missing.

#![allow(dead_code, reason = "each test file uses a part of it")]

#[path = "../scratch/mod.rs"]
mod scratch;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` child process, without persistence.
pub(crate) struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server and waits until it accepts connections.
    pub(crate) fn start(name: &str) -> Self {
        let port = scratch::free_port();
        let dir = scratch::fresh_dir(&format!("redis-{name}"), port);
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "redis-server is installed (scripts/test.sh installs it: apt-get install \
                 redis-server)",
            );
        let server = Self { child, port, dir };
        server.wait_ready();
        server
    }

    /// `127.0.0.1:<port>`, as `stream_worker --redis` takes it.
    pub(crate) fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A directory that lives as long as the server, for files of the test.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new connection, whose commands fail rather than hang when the server stops answering.
    pub(crate) fn connection(&self) -> redis::Connection {
        let client = redis::Client::open(format!("redis://{}/", self.address())).unwrap();
        let con = client
            .get_connection_with_timeout(Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("cannot connect to redis-server on {}: {e}", self.port));
        con.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        con.set_write_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        con
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server on port {} did not start within 10 s",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
