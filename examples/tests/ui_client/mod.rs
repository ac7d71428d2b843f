//! What the dashboard's HTTP tests share: `kisflow-demo serve --ui` started on a free port and
//! stopped by its PID, a plain HTTP/1.1 client, and waiting for a condition.

#![allow(dead_code, reason = "each test file uses a part of it")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const TOKEN: &str = "dashboard-test-token";

/// A `kisflow-demo serve` process, killed by its PID if a failing test leaves it running.
pub(crate) struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `kisflow-demo serve` with `args`, and the dashboard's address from its first lines.
pub(crate) fn serve(args: &[&str]) -> (Serving, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
        .arg("serve")
        .args(args)
        .args(["--ui", "127.0.0.1:0"])
        .env("KISFLOW_UI_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve printed where the dashboard is")
            .unwrap();
        if let Some(addr) = line.strip_prefix("dashboard at http://") {
            break addr.to_owned();
        }
    };
    // Keep reading, so the flows' printing never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (Serving(child), addr)
}

/// One HTTP/1.1 request; the status and the body.
pub(crate) fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

pub(crate) fn get(addr: &str, path: &str) -> (u16, String) {
    http(addr, "GET", path, &[], "")
}

pub(crate) fn post(addr: &str, path: &str, body: &str) -> (u16, String) {
    let bearer = format!("Authorization: Bearer {TOKEN}");
    http(
        addr,
        "POST",
        path,
        &[&bearer, "Content-Type: application/x-www-form-urlencoded"],
        body,
    )
}

pub(crate) fn stop(mut serving: Serving) {
    let child = &mut serving.0;
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

pub(crate) fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within 15 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}
