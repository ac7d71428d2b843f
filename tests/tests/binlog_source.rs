//! The binlog source through the runner against a real `mariadbd` started for each test: typed
//! inserts, updates and deletes in binlog order; a restart resumes at the stored position and
//! loses nothing; a row that does not decode goes to the dead letters naming the field and the
//! position still moves; a schema change; a server killed mid-stream; a purged position and a
//! wrong server setting stop the runner with an error that says what to do.

mod mariadb;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::source::binlog::{
    BinlogSource, Change, FilePositions, Op, Position, PositionStore, Start,
};
use kisflow::source::{MemoryDeadLetters, RunReport, Runner};
use mariadb::MariaDb;
use mysql_async::prelude::Queryable;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Order {
    id: i64,
    qty: i64,
}

#[kis_function(mode = "Calculate")]
fn keep_orders(rows: Vec<Change<Order>>) -> Vec<Change<Order>> {
    rows
}
flow!(Orders: keep_orders);

type Seen = Arc<Mutex<Vec<Change<Order>>>>;

async fn sql(server: &MariaDb, statements: &[&str]) {
    let mut conn = mysql_async::Conn::from_url(server.url()).await.unwrap();
    for statement in statements {
        conn.query_drop(*statement).await.unwrap();
    }
    conn.disconnect().await.unwrap();
}

fn positions(server: &MariaDb, name: &str) -> FilePositions {
    let path = std::env::temp_dir().join(format!("kisflow-binlog-{name}-{}.json", server.port));
    let _ = std::fs::remove_file(&path);
    FilePositions::new(path)
}

fn source(server: &MariaDb, store: &FilePositions) -> BinlogSource {
    BinlogSource::new(&server.url(), ["shop.orders"], store.clone()).unwrap()
}

/// Runs the flow over `source` until `until` changes were seen (or 30 s), then stops and drains.
async fn run_until(
    source: BinlogSource,
    until: usize,
    dead: &MemoryDeadLetters,
) -> (Vec<Change<Order>>, kisflow::Result<RunReport>) {
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let runner = Runner::new(source, Orders::new().into_dyn())
        .with_batch(50, Duration::from_millis(50))
        .with_concurrency(2)
        .with_dead_letters(dead.clone())
        .with_output(move |rows| {
            let mut sink = sink.lock().unwrap();
            sink.extend(
                rows.into_iter()
                    .map(|row| serde_json::from_value(row).unwrap()),
            );
        });
    let watched = Arc::clone(&seen);
    let letters = dead.clone();
    let stop = async move {
        for _ in 0..600 {
            if watched.lock().unwrap().len() + letters.letters().len() >= until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let report = runner.run_until(stop).await;
    let seen = seen.lock().unwrap().clone();
    (seen, report)
}

const TABLE: &str =
    "CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, qty BIGINT NULL, note VARCHAR(20))";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inserts_updates_and_deletes_arrive_typed_in_binlog_order() {
    let server = MariaDb::start("typed");
    sql(
        &server,
        &[
            "CREATE DATABASE shop",
            TABLE,
            "CREATE TABLE shop.other (id INT)",
        ],
    )
    .await;
    let store = positions(&server, "typed");
    let source = source(&server, &store);
    let changes = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        sql(
            &server,
            &[
                "INSERT INTO shop.orders VALUES (1, 2, 'a'), (2, 3, 'b')",
                "INSERT INTO shop.other VALUES (7)",
                "UPDATE shop.orders SET qty = 9 WHERE id = 1",
                "DELETE FROM shop.orders WHERE id = 2",
            ],
        )
        .await;
    };
    let dead = MemoryDeadLetters::new();
    let ((seen, report), ()) = tokio::join!(run_until(source, 4, &dead), changes);
    report.unwrap();
    let ops: Vec<(Op, Option<Order>, Option<Order>)> = seen
        .iter()
        .map(|c| (c.op, c.before.clone(), c.after.clone()))
        .collect();
    let order = |id, qty| Some(Order { id, qty });
    assert_eq!(
        ops,
        vec![
            (Op::Insert, None, order(1, 2)),
            (Op::Insert, None, order(2, 3)),
            (Op::Update, order(1, 2), order(1, 9)),
            (Op::Delete, order(2, 3), None),
        ]
    );
    assert!(seen.iter().all(|c| c.db == "shop" && c.table == "orders"));
    let stored = store.load().await.unwrap().unwrap();
    let last = seen
        .last()
        .unwrap()
        .position
        .rsplit_once(':')
        .unwrap()
        .1
        .parse::<u64>()
        .unwrap();
    assert!(
        stored.pos > last,
        "stored {stored} is past the last change at {last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_at_the_stored_position_and_loses_nothing() {
    let server = MariaDb::start("resume");
    sql(&server, &["CREATE DATABASE shop", TABLE]).await;
    let store = positions(&server, "resume");
    let first = source(&server, &store).with_start(Start::Current);
    // The first run sees the rows 1..=100, then stops; 101..=200 come while nothing runs.
    let insert = |range: std::ops::RangeInclusive<i64>| {
        let values: Vec<String> = range.map(|id| format!("({id}, {id}, NULL)")).collect();
        format!("INSERT INTO shop.orders VALUES {}", values.join(", "))
    };
    let rows = insert(1..=100);
    let writes = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        sql(&server, &[&rows]).await;
    };
    let dead = MemoryDeadLetters::new();
    let ((seen, report), ()) = tokio::join!(run_until(first, 100, &dead), writes);
    report.unwrap();
    assert_eq!(seen.len(), 100);
    sql(&server, &[&insert(101..=150), &insert(151..=200)]).await;
    let (seen, report) = run_until(source(&server, &store), 100, &dead).await;
    report.unwrap();
    let ids: Vec<i64> = seen.iter().map(|c| c.after.as_ref().unwrap().id).collect();
    assert_eq!(
        ids,
        (101..=200).collect::<Vec<_>>(),
        "exactly the rows after the stored position"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_does_not_decode_is_dead_lettered_naming_the_field() {
    let server = MariaDb::start("poison");
    sql(&server, &["CREATE DATABASE shop", TABLE]).await;
    let store = positions(&server, "poison");
    let source = source(&server, &store);
    let writes = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        sql(
            &server,
            &["INSERT INTO shop.orders VALUES (1, 1, NULL), (2, NULL, 'x'), (3, 3, NULL)"],
        )
        .await;
    };
    let dead = MemoryDeadLetters::new();
    let ((seen, report), ()) = tokio::join!(run_until(source, 3, &dead), writes);
    assert_eq!(report.unwrap().dead_lettered, 1);
    assert_eq!(
        seen.iter()
            .map(|c| c.after.as_ref().unwrap().id)
            .collect::<Vec<_>>(),
        [1, 3]
    );
    let letter = &dead.letters()[0];
    assert!(letter.error.contains("after.qty"), "{}", letter.error);
    assert!(String::from_utf8_lossy(&letter.payload).contains(r#""qty":null"#));
    assert!(
        letter.message_id.starts_with("binlog.000001:"),
        "{}",
        letter.message_id
    );
    assert!(
        store.load().await.unwrap().unwrap().pos > 4,
        "the position moved past the letter"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_decode_with_the_columns_of_their_time_across_a_schema_change() {
    let server = MariaDb::start("schema");
    sql(&server, &["CREATE DATABASE shop", TABLE]).await;
    let store = positions(&server, "schema");
    let source = source(&server, &store);
    let writes = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        sql(
            &server,
            &[
                "INSERT INTO shop.orders VALUES (1, 1, NULL)",
                "ALTER TABLE shop.orders ADD COLUMN price DECIMAL(10,2) NULL",
                "INSERT INTO shop.orders VALUES (2, 2, NULL, 3.50)",
                "ALTER TABLE shop.orders CHANGE qty quantity BIGINT NULL",
                "INSERT INTO shop.orders VALUES (3, 3, NULL, 1.25)",
            ],
        )
        .await;
    };
    let dead = MemoryDeadLetters::new();
    let ((seen, report), ()) = tokio::join!(run_until(source, 3, &dead), writes);
    report.unwrap();
    assert_eq!(
        seen.iter()
            .map(|c| c.after.as_ref().unwrap().id)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    let letters = dead.letters();
    assert_eq!(letters.len(), 1, "the row after the rename lacks `qty`");
    assert!(letters[0].error.contains("qty"), "{}", letters[0].error);
    let payload = String::from_utf8_lossy(&letters[0].payload).into_owned();
    assert!(
        payload.contains(r#""quantity":3"#) && payload.contains(r#""price":"1.25""#),
        "{payload}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_stream_is_read_again_without_loss() {
    let mut server = MariaDb::start("restart");
    sql(&server, &["CREATE DATABASE shop", TABLE]).await;
    let store = positions(&server, "restart");
    let source = source(&server, &store);
    let url = server.url();
    let writes = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        for id in 1..=50 {
            let mut conn = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
            conn.query_drop(format!("INSERT INTO shop.orders VALUES ({id}, {id}, NULL)"))
                .await
                .unwrap();
        }
        server.restart();
        for id in 51..=100 {
            let mut conn = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
            conn.query_drop(format!("INSERT INTO shop.orders VALUES ({id}, {id}, NULL)"))
                .await
                .unwrap();
        }
    };
    let dead = MemoryDeadLetters::new();
    let ((seen, report), ()) = tokio::join!(run_until(source, 100, &dead), writes);
    report.unwrap();
    let mut ids: Vec<i64> = seen.iter().map(|c| c.after.as_ref().unwrap().id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids, (1..=100).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purged_position_stops_the_runner_with_what_to_do() {
    let server = MariaDb::start("purged");
    sql(
        &server,
        &[
            "CREATE DATABASE shop",
            TABLE,
            "FLUSH BINARY LOGS",
            "FLUSH BINARY LOGS",
        ],
    )
    .await;
    // MariaDB keeps a file crash recovery still needs, so purge until the first one is gone.
    let mut conn = mysql_async::Conn::from_url(server.url()).await.unwrap();
    for _ in 0..100 {
        conn.query_drop("PURGE BINARY LOGS TO 'binlog.000003'")
            .await
            .unwrap();
        let files: Vec<mysql_async::Row> = conn.query("SHOW BINARY LOGS").await.unwrap();
        if files
            .iter()
            .all(|row| row.get::<String, _>(0).unwrap() != "binlog.000001")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let store = positions(&server, "purged");
    store
        .save(&Position::new("binlog.000001", 4))
        .await
        .unwrap();
    let dead = MemoryDeadLetters::new();
    let (_, report) = run_until(source(&server, &store), 1, &dead).await;
    let err = report.unwrap_err().to_string();
    assert!(
        err.contains("binlog.000001:4 is no longer on the server"),
        "{err}"
    );
    assert!(err.contains("the oldest file is binlog.00000"), "{err}");
    assert!(err.contains("reset the stored position"), "{err}");
    assert_eq!(
        store.load().await.unwrap(),
        Some(Position::new("binlog.000001", 4)),
        "never skipped ahead"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_column_names_is_refused_with_the_setting() {
    let server = MariaDb::start("settings");
    sql(&server, &["SET GLOBAL binlog_row_metadata = 'MINIMAL'"]).await;
    let store = positions(&server, "settings");
    let dead = MemoryDeadLetters::new();
    let (_, report) = run_until(source(&server, &store), 1, &dead).await;
    let err = report.unwrap_err().to_string();
    assert!(err.contains("binlog_row_metadata is `MINIMAL`"), "{err}");
    assert!(
        err.contains("SET GLOBAL binlog_row_metadata = 'FULL'"),
        "{err}"
    );
}

/// A flow's YAML `source` of type `mysql-binlog`, as `kisflow serve` builds it: the tables of
/// `stream`, the position stored in the server under the name `group`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yaml_source_runs_with_its_position_stored_in_the_server() {
    let server = MariaDb::start("yaml");
    sql(&server, &["CREATE DATABASE shop", TABLE]).await;
    let yaml = format!(
        "kistype: flow\nstatus: 1\nflow_name: Orders\nsource:\n  type: mysql-binlog\n  addrs: {}\n  \
         stream: shop.orders\n  group: orders-yaml\n  dead_letters: {}\nflows:\n  - fname: KeepOrders\n",
        server.url(),
        std::env::temp_dir()
            .join(format!("kisflow-binlog-yaml-{}.dlq", server.port))
            .display()
    );
    let config = kisflow::config::Config::load_str("flow-Orders.yml", &yaml).unwrap();
    let source = config.flow("Orders").unwrap().source.clone().unwrap();
    assert_eq!(
        (source.source_type.as_str(), source.stream.as_str()),
        ("mysql-binlog", "shop.orders")
    );
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let runner = Runner::from_config(Orders::new().into_dyn(), &source)
        .unwrap()
        .with_output(move |rows| {
            sink.lock().unwrap().extend(
                rows.into_iter()
                    .map(|row| serde_json::from_value(row).unwrap()),
            );
        });
    let watched = Arc::clone(&seen);
    let url = server.url();
    let stop = async move {
        // The position row appears once the source has started: then the insert is new to it.
        let mut conn = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
        loop {
            let saved: Option<(String, u64)> = conn
                .query_first("SELECT file, pos FROM shop.kisflow_binlog_positions WHERE name = 'orders-yaml'")
                .await
                .unwrap_or(None);
            if saved.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        conn.query_drop("INSERT INTO shop.orders VALUES (1, 5, NULL)")
            .await
            .unwrap();
        while watched.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), runner.run_until(stop))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.lock().unwrap()[0].after, Some(Order { id: 1, qty: 5 }));
    let mut conn = mysql_async::Conn::from_url(server.url()).await.unwrap();
    let (file, pos): (String, u64) = conn
        .query_first(
            "SELECT file, pos FROM shop.kisflow_binlog_positions WHERE name = 'orders-yaml'",
        )
        .await
        .unwrap()
        .unwrap();
    let change = seen.lock().unwrap()[0].position.clone();
    let change_pos: u64 = change.rsplit_once(':').unwrap().1.parse().unwrap();
    assert!(
        file == "binlog.000001" && pos > change_pos,
        "stored {file}:{pos}, change at {change}"
    );
}
