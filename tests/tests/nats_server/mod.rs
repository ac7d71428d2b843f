//! A throwaway `nats-server -js` on a free loopback port with its own store directory, stopped by
//! its own PID when dropped, and the JetStream calls the tests make on it. `scripts/test.sh`
//! installs the binary when it is missing.

#![allow(dead_code, reason = "each test file uses a part of it")]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, stream};

/// A running `nats-server` child process with JetStream on.
pub(crate) struct NatsServer {
    child: Child,
    /// The loopback port it listens on.
    pub(crate) port: u16,
    dir: PathBuf,
}

impl NatsServer {
    /// Starts a server whose JetStream store lives in a fresh directory.
    pub(crate) fn start(name: &str) -> Self {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("kisflow-nats-{name}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let child = spawn(port, &dir);
        let server = Self { child, port, dir };
        server.wait_ready();
        server
    }

    /// `127.0.0.1:<port>`.
    pub(crate) fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL, by its PID) and starts it again on the same port and store.
    pub(crate) fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(self.port, &self.dir);
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
            "nats-server on port {} did not start within 10 s",
            self.port
        );
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn(port: u16, dir: &std::path::Path) -> Child {
    Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect(
            "nats-server is installed (scripts/test.sh installs it: apt-get install nats-server)",
        )
}

/// A JetStream context on `server`, with the stream `name` on the subject `name`.
pub(crate) async fn context(server: &NatsServer, streams: &[(&str, &str)]) -> jetstream::Context {
    let client = async_nats::connect(server.addr()).await.unwrap();
    let context = jetstream::new(client);
    for (name, subject) in streams {
        context
            .get_or_create_stream(stream::Config {
                name: (*name).to_owned(),
                subjects: vec![(*subject).to_owned()],
                ..stream::Config::default()
            })
            .await
            .unwrap();
    }
    context
}

/// Publishes `payload` on `subject`, trying again while JetStream is not ready (after a restart).
pub(crate) async fn publish(context: &jetstream::Context, subject: &str, payload: Vec<u8>) {
    for _ in 0..100 {
        if let Ok(ack) = context
            .publish(subject.to_owned(), payload.clone().into())
            .await
            && ack.await.is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("JetStream did not take a publish on `{subject}` within 10 s");
}

/// Waits up to 30 s until the consumer `durable` of `stream` has nothing pending or unacked.
pub(crate) async fn drained(context: &jetstream::Context, stream: &str, durable: &str) -> bool {
    for _ in 0..300 {
        if let Ok(stream) = context.get_stream(stream).await
            && let Ok(info) = stream.consumer_info(durable).await
            && info.num_ack_pending == 0
            && info.num_pending == 0
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// How many messages the stream `name` holds; 0 when there is no such stream.
pub(crate) async fn stream_len(context: &jetstream::Context, name: &str) -> usize {
    match context.get_stream(name).await {
        Ok(stream) => stream
            .get_info()
            .await
            .map_or(0, |info| usize::try_from(info.state.messages).unwrap()),
        Err(_) => 0,
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
