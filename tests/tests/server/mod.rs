//! A throwaway `redis-server` on a free loopback port with its own data directory, stopped by its
//! own PID when dropped. `scripts/test.sh` installs the binary when it is missing.

#![allow(dead_code, reason = "each test file uses a part of it")]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` child process.
pub(crate) struct RedisServer {
    child: Child,
    /// The loopback port it listens on.
    pub(crate) port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server; `append_only` keeps the data across a restart of the same server.
    pub(crate) fn start(name: &str, append_only: bool) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!(
            "kisflow-redis-{name}-{}-{port}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let child = spawn(port, &dir, append_only);
        let server = Self { child, port, dir };
        server.wait_ready();
        server
    }

    /// `redis://127.0.0.1:<port>/`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL, by its PID) and starts it again on the same port and directory.
    pub(crate) fn restart(&mut self, append_only: bool) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(self.port, &self.dir, append_only);
        self.wait_ready();
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

fn spawn(port: u16, dir: &std::path::Path, append_only: bool) -> Child {
    Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", if append_only { "yes" } else { "no" }])
        .args(["--appendfsync", "always"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect(
            "redis-server is installed (scripts/test.sh installs it: apt-get install redis-server)",
        )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
