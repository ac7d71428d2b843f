//! kisflow's own `/metrics` listener: a small hyper HTTP/1 server on the current tokio runtime.

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::Metrics;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How long a client may take to send a request's headers before the connection is closed: a
/// scraper sends them at once, and a client that stalls would otherwise hold its connection for
/// ever.
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A running `/metrics` listener; it stops when dropped or [shut down](Self::shutdown).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let metrics = kisflow::Metrics::new();
/// let server = metrics.serve("127.0.0.1:0").await?; // port 0: a free one
/// assert!(server.local_addr().port() > 0);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct MetricsServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl MetricsServer {
    pub(super) async fn start(metrics: Metrics, addr: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot serve /metrics on {addr}: {e}"))
        })?;
        let local_addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = stopped.changed() => return,
                };
                let Ok((stream, _)) = accepted else {
                    // A failed accept (out of descriptors, a reset) concerns one client only.
                    continue;
                };
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        std::future::ready(Ok::<_, Infallible>(respond(&metrics, &request)))
                    });
                    // A client that hangs up mid-request is its own problem, not the server's.
                    let _ = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(HEADER_READ_TIMEOUT)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            local_addr,
            stop,
            task: Some(task),
        })
    }

    /// The address the listener is bound to, with the port it picked for `:0`.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops listening and waits until the listener has closed.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            // The listener task ends by itself once told to; a panic in it has nothing to report.
            let _ = task.await;
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn respond(metrics: &Metrics, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    // HEAD gets GET's headers; hyper sends no body with them.
    let read = request.method() == Method::GET || request.method() == Method::HEAD;
    let response = if read && request.uri().path() == "/metrics" {
        Response::builder()
            .header(hyper::header::CONTENT_TYPE, CONTENT_TYPE)
            .body(Full::new(Bytes::from(metrics.encode())))
    } else {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(
                b"not found; try GET /metrics\n",
            )))
    };
    response.expect("a response built from valid parts")
}
