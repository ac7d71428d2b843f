//! Metrics end to end: flows run a known number of times, some failing, some as concurrent
//! instances; the real `/metrics` endpoint is scraped over TCP and every value checked.

use std::collections::BTreeMap;

use kisflow::Metrics;
use kisflow::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[kis_function(mode = "Verify", name = "CheckScores")]
fn check(rows: Vec<i64>) -> kisflow::Result<Vec<i64>> {
    if rows.iter().any(|n| *n < 0) {
        return Err(kisflow::Error::msg("negative score"));
    }
    Ok(rows)
}

#[kis_function(mode = "Calculate", name = "DoubleScores")]
fn double(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 2).collect()
}

#[kis_function(mode = "Expand", name = "DropScores")]
fn drop_scores(_rows: Vec<i64>) {}

flow!(Scores: check -> double -> drop_scores);

/// `GET path` over a plain TCP connection; the status line and the body.
async fn get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// The samples of an OpenMetrics text: `name{labels}` → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

/// Three good runs of two rows, one failing run, and four concurrent instances with two runs of
/// one row each: 15 rows, 12 runs, one error.
async fn run_workload(metrics: &Metrics) {
    let mut flow = Scores::new().with_metrics(metrics);
    for _ in 0..3 {
        flow.commit_batch([1, 2]).unwrap();
        flow.run().await.unwrap();
    }
    flow.commit(-1).unwrap();
    assert!(flow.run().await.is_err());

    // Four concurrent instances, two runs of one row each.
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let mut fork = Scores::new().with_metrics(&metrics);
                for _ in 0..2 {
                    fork.commit(i).unwrap();
                    fork.run().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_endpoint_counts_runs_rows_errors_and_durations() {
    let metrics = Metrics::new();
    run_workload(&metrics).await;

    let server = metrics.serve("127.0.0.1:0").await.unwrap();
    let (status, body) = get(server.local_addr(), "/metrics").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        body.ends_with("# EOF\n"),
        "OpenMetrics text ends with # EOF"
    );
    let s = samples(&body);
    let flow = r#"{flow_name="Scores"}"#;
    let func = |name: &str, mode: &str| format!(r#"{{func_name="{name}",func_mode="{mode}"}}"#);
    let expect = [
        ("kisflow_data_total".to_owned(), 15.0),
        (format!("flow_data_total{flow}"), 15.0),
        (format!("flow_schedule_cnts_total{flow}"), 12.0),
        (format!("flow_failed_runs_total{flow}"), 1.0),
        (format!("flow_run_duration_count{flow}"), 12.0),
        (
            format!("func_schedule_cnts_total{}", func("CheckScores", "Verify")),
            12.0,
        ),
        (
            format!(
                "func_schedule_cnts_total{}",
                func("DoubleScores", "Calculate")
            ),
            11.0,
        ),
        (
            format!("func_schedule_cnts_total{}", func("DropScores", "Expand")),
            11.0,
        ),
        (
            format!("func_errors_total{}", func("CheckScores", "Verify")),
            1.0,
        ),
        (
            format!("func_errors_total{}", func("DoubleScores", "Calculate")),
            0.0,
        ),
        (
            format!("func_rows_in_total{}", func("CheckScores", "Verify")),
            15.0,
        ),
        (
            format!("func_rows_out_total{}", func("CheckScores", "Verify")),
            14.0,
        ),
        (
            format!("func_rows_out_total{}", func("DoubleScores", "Calculate")),
            14.0,
        ),
        (
            format!("func_rows_out_total{}", func("DropScores", "Expand")),
            0.0,
        ),
        (
            format!("func_run_duration_count{}", func("CheckScores", "Verify")),
            12.0,
        ),
        (
            format!("func_run_duration_count{}", func("DropScores", "Expand")),
            11.0,
        ),
    ];
    for (name, value) in expect {
        assert_eq!(s.get(&name), Some(&value), "{name} in\n{body}");
    }
    // Go's millisecond buckets, the last one +Inf.
    let le = |b: &str| {
        format!(
            r#"func_run_duration_bucket{{le="{b}",func_name="CheckScores",func_mode="Verify"}}"#
        )
    };
    assert_eq!(s.get(&le("+Inf")), Some(&12.0), "{body}");
    assert!(
        s.contains_key(&le("0.005")) && s.contains_key(&le("30000.0")),
        "{body}"
    );

    let (status, _) = get(server.local_addr(), "/other").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    let addr = server.local_addr();
    server.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the listener is closed after shutdown"
    );
}

#[tokio::test]
async fn flows_record_nothing_unless_metrics_are_switched_on() {
    let mut flow = Scores::new();
    flow.commit(1).unwrap();
    flow.run().await.unwrap();
    assert!(!kisflow::metrics::enabled());
    assert!(
        !Metrics::global().encode().contains("Scores"),
        "{}",
        Metrics::global().encode()
    );
}

#[tokio::test]
async fn registries_are_independent_and_series_exist_from_the_start() {
    let a = Metrics::new();
    let b = Metrics::new();
    let mut flow = Scores::new().with_metrics(&a);
    let idle = Scores::new().with_metrics(&b);
    flow.commit(1).unwrap();
    flow.run().await.unwrap();
    assert!(
        a.encode()
            .contains("flow_schedule_cnts_total{flow_name=\"Scores\"} 1\n"),
        "{}",
        a.encode()
    );
    // A flow that never ran shows zeros, so dashboards see the series before the first run.
    assert!(
        b.encode()
            .contains("flow_schedule_cnts_total{flow_name=\"Scores\"} 0\n"),
        "{}",
        b.encode()
    );
    drop(idle);
}

#[tokio::test]
async fn a_port_in_use_is_an_error_that_names_the_address() {
    let first = Metrics::new().serve("127.0.0.1:0").await.unwrap();
    let taken = first.local_addr().to_string();
    let err = Metrics::new().serve(&taken).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("cannot serve /metrics on {taken}: ")),
        "{err}"
    );
}

#[tokio::test]
async fn series_are_encoded_in_the_order_of_their_labels() {
    let metrics = Metrics::new();
    let mut flow = Scores::new().with_metrics(&metrics);
    flow.commit_batch([1, 2]).unwrap();
    flow.run().await.unwrap();
    let text = metrics.encode();
    let functions: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("func_schedule_cnts_total{"))
        .filter_map(|line| line.split("func_name=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(
        functions,
        ["CheckScores", "DoubleScores", "DropScores"],
        "{text}"
    );
}

#[tokio::test]
async fn head_of_metrics_answers_as_get_does_without_a_body() {
    let server = Metrics::new().serve("127.0.0.1:0").await.unwrap();
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let request = "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(head.contains("application/openmetrics-text"), "{head}");
    assert_eq!(body, "");
}

/// A client that sends half its headers and stalls is disconnected, so stalled clients cannot
/// pile up. The bound below only keeps a broken server from hanging the test.
#[tokio::test]
async fn a_client_that_stalls_mid_headers_is_disconnected() {
    let server = Metrics::new().serve("127.0.0.1:0").await.unwrap();
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        stream.read_to_end(&mut rest),
    )
    .await;
    assert!(closed.is_ok(), "the connection is still open after 120 s");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
}
