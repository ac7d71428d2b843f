//! A `type: redis` connector made by the pool from YAML, against a `redis-server` of the test's
//! own: Go's keys (addrs, key prefix, `db` param), one connection shared by every flow bound to
//! it, and a clear error naming the connector when Redis goes away mid-way.

mod server;

use std::path::PathBuf;

use kisflow::config::Config;
use kisflow::prelude::*;
use kisflow::{ErrorKind, Pool, RedisKv};
use serde::Deserialize;
use server::RedisServer;

#[derive(Debug, Clone, Deserialize)]
struct Total {
    customer: String,
    amount: i64,
}

#[kis_function(mode = "Save", name = "SaveTotalToRedis", conn = "Totals")]
async fn save_total_to_redis(ctx: &FlowCtx, rows: Vec<Total>) -> kisflow::Result<()> {
    let conn = ctx.connector()?;
    let kv = conn.client::<RedisKv>()?;
    for row in rows {
        kv.hset(&row.customer, "amount", &row.amount.to_string())
            .await?;
    }
    Ok(())
}

/// A config directory: the connector on `port` (database 3, prefix `t_`), the function and a flow.
fn config_dir(name: &str, port: u16) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kisflow-redis-connector-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            "conn.yml",
            format!(
                "kistype: conn\ncname: Totals\ntype: redis\naddrs: 127.0.0.1:{port}\nkey: t_\n\
                 params:\n  db: \"3\"\n"
            ),
        ),
        (
            "func.yml",
            "kistype: func\nfname: SaveTotalToRedis\nfmode: Save\noption:\n  cname: Totals\n"
                .to_owned(),
        ),
        (
            "flow.yml",
            "kistype: flow\nstatus: 1\nflow_name: SaveTotals\nflows:\n  - fname: SaveTotalToRedis\n"
                .to_owned(),
        ),
    ];
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_yaml_redis_connector_saves_through_one_shared_connection() {
    let server = RedisServer::start("connector", false);
    let dir = config_dir("shared", server.port);
    let pool = Pool::new(Config::load(&dir).unwrap()).unwrap();
    for (customer, amount) in [("ann", 10), ("bob", 20)] {
        // Each run takes a flow of its own from the pool; they share the connector.
        let mut flow = pool.flow("SaveTotals").unwrap();
        flow.commit_json(format!(r#"{{"customer":"{customer}","amount":{amount}}}"#).as_str())
            .unwrap();
        flow.run().await.unwrap();
    }
    let client = redis::Client::open(format!("{}3", server.url())).unwrap();
    let mut check = client.get_multiplexed_async_connection().await.unwrap();
    let saved: Vec<Option<String>> = redis::pipe()
        .hget("t_ann", "amount")
        .hget("t_bob", "amount")
        .query_async(&mut check)
        .await
        .unwrap();
    assert_eq!(saved, [Some("10".to_owned()), Some("20".to_owned())]);
    // Two flows, one connection (and the check's own): Go would have opened one per function.
    let clients: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut check)
        .await
        .unwrap();
    assert_eq!(clients.lines().count(), 2, "{clients}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_redis_gone_mid_way_fails_the_run_naming_the_connector() {
    let server = RedisServer::start("connector-gone", false);
    let dir = config_dir("gone", server.port);
    let pool = Pool::new(Config::load(&dir).unwrap()).unwrap();
    let mut flow = pool.flow("SaveTotals").unwrap();
    flow.commit_json(r#"{"customer":"ann","amount":1}"#)
        .unwrap();
    flow.run().await.unwrap();
    drop(server);
    flow.commit_json(r#"{"customer":"ann","amount":2}"#)
        .unwrap();
    let err = flow.run().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectorUnavailable);
    let chain = err.chain();
    assert!(
        chain.starts_with(
            "flow `SaveTotals`: function `SaveTotalToRedis` failed: connector \"Totals\" is \
             unavailable: redis HSET failed: "
        ),
        "{chain}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
