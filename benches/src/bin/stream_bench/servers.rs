//! The redis-server and nats-server this benchmark starts for itself, killed by PID when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server process with its data directory; dropping it kills that process and removes the
/// directory.
pub(crate) struct Server {
    child: Child,
    dir: PathBuf,
    /// `127.0.0.1:port`.
    pub(crate) addr: String,
}

impl Server {
    /// `redis-server` on a free port, without persistence.
    pub(crate) fn redis() -> Self {
        Self::start("redis", |port, dir| {
            let mut cmd = Command::new("redis-server");
            cmd.arg("--port")
                .arg(port.to_string())
                .arg("--bind")
                .arg("127.0.0.1")
                .arg("--save")
                .arg("")
                .arg("--appendonly")
                .arg("no")
                .arg("--dir")
                .arg(dir);
            cmd
        })
    }

    /// `nats-server` with JetStream on a free port, storing under its own directory.
    pub(crate) fn nats() -> Self {
        Self::start("nats", |port, dir| {
            let mut cmd = Command::new("nats-server");
            cmd.arg("-a")
                .arg("127.0.0.1")
                .arg("-p")
                .arg(port.to_string())
                .arg("-js")
                .arg("-sd")
                .arg(dir);
            cmd
        })
    }

    fn start(what: &str, command: impl FnOnce(u16, &PathBuf) -> Command) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // In memory when the machine has a tmpfs: the disk (shared with other work) stays out of
        // the figures, as it does for Redis, which persists nothing here.
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!(
            "kisflow-stream-bench-{what}-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a data directory");
        let child = command(port, &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("{what} server does not start: {err}"));
        let addr = format!("127.0.0.1:{port}");
        let server = Self { child, dir, addr };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(&server.addr).is_err() {
            assert!(Instant::now() < deadline, "{what} server not up in 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // `Child::kill` signals this process's own PID, nothing else.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
