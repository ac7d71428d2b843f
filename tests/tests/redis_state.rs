//! `RedisState` against a real `redis-server` started for the test: a commit applies the state,
//! the extra writes and the acks together; one whose read went stale is a conflict and changes
//! nothing; one whose entries another consumer claimed is lost and changes nothing.

mod server;

use kisflow::state::{Also, Commit, Committed, RedisState, StateStore};
use redis::AsyncCommands;
use server::RedisServer;

fn commit(read: Option<&str>, write: &str, acks: Vec<String>) -> Commit {
    let mut commit = Commit::default();
    commit.reads.push((
        "F/f".into(),
        "k".into(),
        read.map(|r| r.as_bytes().to_vec()),
    ));
    commit
        .writes
        .push(("F/f".into(), "k".into(), Some(write.as_bytes().to_vec())));
    commit.also.push(Also::hset("out", "k", write));
    commit.acks = acks;
    commit
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_are_all_or_nothing_and_check_reads_and_ownership() {
    let server = RedisServer::start("state", false);
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", "s", "g", "0", "MKSTREAM"])
        .query_async(&mut con)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        let id: String = con
            .xadd("s", "*", &[("data", n.to_string())])
            .await
            .unwrap();
        ids.push(id);
    }
    // c1 reads all three; c2 will claim the third.
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg(&["GROUP", "g", "c1", "STREAMS", "s", ">"])
        .query_async(&mut con)
        .await
        .unwrap();
    let state = RedisState::new(&server.url(), "st")
        .unwrap()
        .acking("s", "g", "c1");

    assert_eq!(
        state
            .commit(&commit(None, "1", vec![ids[0].clone()]))
            .await
            .unwrap(),
        Committed::Done
    );
    assert_eq!(state.load("F/f", "k").await.unwrap(), Some(b"1".to_vec()));
    let out: Option<String> = con.hget("out", "k").await.unwrap();
    assert_eq!(out.as_deref(), Some("1"));

    // A run that read the key before that commit: a conflict, nothing written, nothing acked.
    assert_eq!(
        state
            .commit(&commit(None, "9", vec![ids[1].clone()]))
            .await
            .unwrap(),
        Committed::Conflict
    );
    assert_eq!(state.load("F/f", "k").await.unwrap(), Some(b"1".to_vec()));

    // The third entry claimed by c2: lost for c1, nothing written.
    let _: redis::Value = redis::cmd("XCLAIM")
        .arg(&["s", "g", "c2", "0", &ids[2]])
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(
        state
            .commit(&commit(Some("1"), "7", vec![ids[2].clone()]))
            .await
            .unwrap(),
        Committed::Lost
    );
    assert_eq!(state.load("F/f", "k").await.unwrap(), Some(b"1".to_vec()));

    // Pending: the second (c1, conflict) and the third (c2); the first was acked with its state.
    let pending: redis::streams::StreamPendingReply = con.xpending("s", "g").await.unwrap();
    assert_eq!(pending.count(), 2);
    assert_eq!(
        state.scan("F/f").await.unwrap(),
        vec![("k".to_owned(), b"1".to_vec())]
    );
}
