//! Dead letters replayed from their Redis stream: after the handler is fixed, a replay brings the
//! sink to every row and no letter is replayed twice; a row that keeps failing stays dead after
//! three replays.

mod readings;
mod server;

use std::sync::atomic::Ordering;
use std::time::Duration;

use kisflow::source::redis::{MAX_REPLAYS, RedisDeadLetters};
use readings::{FIXED, add, connection, run_until_saved};
use redis::AsyncCommands;
use server::RedisServer;

fn dead_letters(server: &RedisServer) -> RedisDeadLetters {
    RedisDeadLetters::new(&server.url(), "readings-in.dlq").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_after_the_fix_brings_the_sink_to_every_row_once() {
    let server = RedisServer::start("replay", false);
    let mut con = connection(&server.url()).await;
    for id in 0..10_000u32 {
        let value = if id % 100 == 42 { -1 } else { i64::from(id) };
        add(
            &mut con,
            "readings-in",
            format!(r#"{{"id":{id},"value":{value}}}"#).as_bytes(),
        )
        .await;
    }
    run_until_saved(&server, "c1", Duration::from_secs(5), 10_000).await;
    let dead = dead_letters(&server);
    let letters = dead.list(1000).await.unwrap();
    assert_eq!(letters.len(), 100);
    assert!(
        letters
            .iter()
            .all(|l| l.payload.ends_with(b",\"value\":-1}") && l.replays == 0)
    );
    let saved: usize = con.hlen("readings").await.unwrap();
    assert_eq!(saved, 9_900);

    // A dry run says what it would do and changes nothing.
    let dry = dead.replay("readings-in", &[], 1000, true).await.unwrap();
    assert_eq!(
        (dry.replayed.len(), dead.list(1000).await.unwrap().len()),
        (100, 100)
    );

    FIXED.store(true, Ordering::Relaxed);
    let report = dead.replay("readings-in", &[], 1000, false).await.unwrap();
    assert_eq!((report.replayed.len(), report.kept.len()), (100, 0));
    assert!(
        dead.list(1000).await.unwrap().is_empty(),
        "replayed letters leave the stream"
    );
    run_until_saved(&server, "c1", Duration::from_secs(5), 10_000).await;
    let saved: usize = con.hlen("readings").await.unwrap();
    assert_eq!(saved, 10_000, "every row saved after the replay");
    let again = dead.replay("readings-in", &[], 1000, false).await.unwrap();
    assert!(again.replayed.is_empty(), "no letter is replayed twice");
    let entries: usize = con.xlen("readings-in").await.unwrap();
    assert_eq!(
        entries, 10_100,
        "each poison row was added back exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_keeps_failing_stays_dead_after_three_replays() {
    let server = RedisServer::start("stays-dead", false);
    let mut con = connection(&server.url()).await;
    add(&mut con, "readings-in", br#"{"id":1,"value":-999}"#).await;
    let dead = dead_letters(&server);
    for replays in 0..=MAX_REPLAYS {
        // The row fails again; its letter counts the replays so far.
        run_until_saved(&server, "c1", Duration::from_secs(5), 1).await;
        let letters = dead.list(10).await.unwrap();
        assert_eq!(letters.len(), 1);
        assert_eq!(letters[0].replays, replays);
        assert_eq!(letters[0].payload, br#"{"id":1,"value":-999}"#);
        let report = dead
            .replay("readings-in", &[letters[0].id.clone()], 10, false)
            .await
            .unwrap();
        if replays < MAX_REPLAYS {
            assert_eq!(report.replayed, [letters[0].id.clone()]);
        } else {
            assert!(report.replayed.is_empty());
            assert_eq!(report.kept[0].1, "replayed 3 times already; it stays dead");
        }
    }
    let missing = dead
        .replay("readings-in", &["1-1".to_owned()], 10, false)
        .await
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("`readings-in.dlq` holds no dead letter `1-1`"),
        "{missing}"
    );
}
