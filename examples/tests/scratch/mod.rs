//! What the test servers (`server/`, `postgres/`) start from: a free loopback port and a fresh
//! directory named after the server, the test process and the port, so parallel tests and
//! earlier runs never share one.

use std::net::TcpListener;
use std::path::PathBuf;

/// A loopback port nothing listens on now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `$TMPDIR/kisflow-examples-<name>-<pid>-<port>`, empty.
pub(crate) fn fresh_dir(name: &str, port: u16) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kisflow-examples-{name}-{}-{port}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
