//! A throwaway MariaDB (`mariadbd`) on a free loopback port with its own data directory and the
//! binlog on in row format with column names, stopped by its own PID when dropped. Shared by the
//! library tests and the examples' process tests (`#[path]`); `scripts/test.sh` installs
//! `mariadb-server` when it is missing.

#![allow(dead_code, reason = "each test file uses a part of it")]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `mariadbd` child process.
pub(crate) struct MariaDb {
    child: Child,
    /// The loopback port it listens on.
    pub(crate) port: u16,
    dir: PathBuf,
}

impl MariaDb {
    /// A fresh server (a new data directory) named `name` in its directory's name.
    pub(crate) fn start(name: &str) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!(
            "kisflow-mariadb-{name}-{}-{port}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        // Its own tmpdir: two servers set up at once in /tmp collide on temporary table names.
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let installed = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("data").display()))
            .arg(format!("--tmpdir={}", dir.join("tmp").display()))
            .args(as_root())
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .output()
            .expect("mariadb-install-db is installed (scripts/test.sh installs mariadb-server)");
        assert!(
            installed.status.success(),
            "mariadb-install-db failed in {}:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&installed.stdout),
            String::from_utf8_lossy(&installed.stderr)
        );
        let child = spawn(port, &dir);
        let server = Self { child, port, dir };
        server.wait_ready();
        server
    }

    /// `mysql://root@127.0.0.1:<port>/`.
    pub(crate) fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL, by its PID) and starts it again on the same port and data.
    pub(crate) fn restart(&mut self) {
        self.stop();
        self.child = spawn(self.port, &self.dir);
        self.wait_ready();
    }

    /// Kills the server (SIGKILL, by its PID), keeping its data for [`MariaDb::restart`].
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let ready = Command::new("mariadb-admin")
                .args(["-uroot", "-h127.0.0.1", "--connect-timeout=1"])
                .arg(format!("-P{}", self.port))
                .arg("ping")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        panic!(
            "mariadbd on port {} did not start within 30 s:\n{log}",
            self.port
        );
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `--user=root` when running as root, which mariadbd otherwise refuses.
fn as_root() -> Vec<String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"));
    if root {
        vec!["--user=root".to_owned()]
    } else {
        Vec::new()
    }
}

fn spawn(port: u16, dir: &Path) -> Child {
    Command::new("mariadbd")
        .arg("--no-defaults")
        .arg(format!("--datadir={}", dir.join("data").display()))
        .arg(format!("--tmpdir={}", dir.join("tmp").display()))
        .args(as_root())
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg(format!("--socket={}", dir.join("sock").display()))
        .arg(format!("--pid-file={}", dir.join("pid").display()))
        .arg(format!("--log-error={}", dir.join("error.log").display()))
        .arg(format!(
            "--log-bin={}",
            dir.join("data").join("binlog").display()
        ))
        .args([
            "--server-id=1",
            "--binlog-format=ROW",
            "--binlog-row-metadata=FULL",
        ])
        .args([
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
            "--sync-binlog=1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mariadbd is installed (scripts/test.sh installs mariadb-server)")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
