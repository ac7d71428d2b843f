//! Redis Streams: kisflow's `RedisStreams` under a `Runner`, and the same reads and acks by hand.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kisflow::source::Runner;
use kisflow::source::redis::RedisStreams;
use kisflow_bench::{Grades, StuScore, baseline};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Value};

use crate::common::{Acks, Counted, Sent, number};

pub(crate) async fn connect(url: &str) -> MultiplexedConnection {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(10)));
    Client::open(url)
        .expect("a Redis address")
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .expect("Redis is up")
}

/// Adds `rows` to `stream` as entries `0-1`, `0-2`… with field `data`, 1000 to a pipeline.
pub(crate) async fn prefill(conn: &mut MultiplexedConnection, stream: &str, rows: &[String]) {
    for (chunk_no, chunk) in rows.chunks(1000).enumerate() {
        let mut pipe = redis::pipe();
        for (i, row) in chunk.iter().enumerate() {
            let k = chunk_no * 1000 + i + 1;
            pipe.cmd("XADD")
                .arg(stream)
                .arg(format!("0-{k}"))
                .arg("data")
                .arg(row)
                .ignore();
        }
        pipe.query_async::<()>(conn).await.expect("XADD");
    }
}

/// Adds `rows` at `rate` a second in a pipeline every millisecond, marking each send time.
pub(crate) async fn produce(
    mut conn: MultiplexedConnection,
    stream: String,
    rows: Arc<Vec<String>>,
    sent: Arc<Sent>,
    rate: u64,
) {
    let mut next = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    let start = Instant::now();
    while next < rows.len() {
        tick.tick().await;
        let due = usize::try_from(u128::from(rate) * start.elapsed().as_micros() / 1_000_000)
            .unwrap_or(usize::MAX)
            .min(rows.len());
        if due <= next {
            continue;
        }
        let mut pipe = redis::pipe();
        let at = sent.now();
        for (k, row) in (next + 1..=due).zip(&rows[next..due]) {
            sent.mark(k, at);
            pipe.cmd("XADD")
                .arg(&stream)
                .arg(format!("0-{k}"))
                .arg("data")
                .arg(row)
                .ignore();
        }
        pipe.query_async::<()>(&mut conn).await.expect("XADD");
        next = due;
    }
}

/// kisflow: `RedisStreams` + `Runner` (one instance, batches of `batch`) running the bench flow,
/// until `acks` reaches its target. Returns when it started.
pub(crate) async fn kisflow(
    url: &str,
    stream: &str,
    acks: &Arc<Acks>,
    batch: usize,
    wait: Duration,
) -> Instant {
    let source = RedisStreams::new(url, stream, "bench", "c1").expect("a Redis address");
    let source = Counted {
        inner: source,
        acks: Arc::clone(acks),
    };
    let runner = Runner::new(source, Grades::new().into_dyn())
        .with_concurrency(1)
        .with_batch(batch, wait);
    let start = Instant::now();
    let done = Arc::clone(acks);
    let report = runner
        .run_until(async move { done.done().await })
        .await
        .expect("the runner runs");
    assert_eq!(report.dead_lettered, 0, "no row is bad");
    start
}

/// The floor: `XREADGROUP … COUNT batch BLOCK wait`, decode each `data` field into `StuScore`,
/// the four steps by hand, `XACK` the ids; one connection, until `acks` reaches its target.
pub(crate) async fn floor(
    url: &str,
    stream: &str,
    acks: &Arc<Acks>,
    batch: usize,
    wait: Duration,
) -> Instant {
    let start = Instant::now();
    let mut conn = connect(url).await;
    let created: redis::RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg("bench")
        .arg("0")
        .arg("MKSTREAM")
        .query_async(&mut conn)
        .await;
    if let Err(err) = created {
        assert_eq!(err.code(), Some("BUSYGROUP"), "{err}");
    }
    let block = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    let mut ids: Vec<Vec<u8>> = Vec::with_capacity(batch);
    let mut rows: Vec<StuScore> = Vec::with_capacity(batch);
    while !acks.is_done() {
        let reply: Value = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("bench")
            .arg("c1")
            .arg("COUNT")
            .arg(batch)
            .arg("BLOCK")
            .arg(block)
            .arg("STREAMS")
            .arg(stream)
            .arg(">")
            .query_async(&mut conn)
            .await
            .expect("XREADGROUP");
        // `[[stream, [[id, [field, value…]]…]]]`, or nil when the block timed out.
        let Value::Array(streams) = reply else {
            continue;
        };
        for entries in streams.into_iter().filter_map(second) {
            let Value::Array(entries) = entries else {
                continue;
            };
            for entry in entries {
                let Value::Array(mut entry) = entry else {
                    continue;
                };
                let fields = entry.pop().expect("an entry has fields");
                let Value::Array(fields) = fields else {
                    panic!("fields are an array")
                };
                let data = fields
                    .chunks(2)
                    .find(|pair| matches!(&pair[0], Value::BulkString(f) if f == b"data"))
                    .map(|pair| &pair[1]);
                let Some(Value::BulkString(data)) = data else {
                    panic!("an entry has `data`")
                };
                rows.push(serde_json::from_slice(data).expect("a StuScore row"));
                let Some(Value::BulkString(id)) = entry.pop() else {
                    panic!("an entry has an id")
                };
                ids.push(id);
            }
        }
        if ids.is_empty() {
            continue;
        }
        baseline(std::mem::replace(&mut rows, Vec::with_capacity(batch)));
        redis::cmd("XACK")
            .arg(stream)
            .arg("bench")
            .arg(&ids)
            .query_async::<()>(&mut conn)
            .await
            .expect("XACK");
        acks.record(
            ids.iter()
                .map(|id| number(std::str::from_utf8(id).expect("an ASCII id"))),
        );
        ids.clear();
    }
    start
}

fn second(stream: Value) -> Option<Value> {
    match stream {
        Value::Array(mut parts) if parts.len() == 2 => parts.pop(),
        _ => None,
    }
}
