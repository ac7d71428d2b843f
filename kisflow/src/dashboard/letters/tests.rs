//! The Dead letters pages over HTTP.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::SourceConfig;
use crate::dashboard::Dashboard;
use crate::prelude::*;
use crate::source::{DeadLetterStore, Runner, StreamSource};

#[kis_function(mode = "Save")]
fn dashboard_letters_sink(rows: Vec<i64>) {
    drop(rows);
}
flow!(DashboardLettersFlow: dashboard_letters_sink);

/// The body `GET path` gets from the dashboard at `addr`.
async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn a_source_whose_letters_cannot_be_read_says_why() {
    let kafka = SourceConfig::new("kafka", "127.0.0.1:9092", "scores", "printers");
    let source = StreamSource::new("none", futures::stream::empty::<Vec<u8>>());
    let runner = Runner::new(source, DashboardLettersFlow::new().into_dyn());
    let letters = DeadLetterStore::of(&kafka);
    let server = Dashboard::new()
        .with_source("Scores", "kafka topic scores", runner.handle(), letters)
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let page = get(server.local_addr(), "/letters").await;
    assert!(
        page.contains("Scores: kisflow does not read Kafka dead letters; read the topic"),
        "{page}"
    );
    let one = get(server.local_addr(), "/letters/Scores/1-0").await;
    assert!(one.starts_with("HTTP/1.0 404"), "{one}");
    assert!(one.contains("read the topic"), "{one}");
}
