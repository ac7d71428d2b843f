//! `examples/connector_redis.rs` (usage example 8 through a `type: redis` connector) run as a
//! process against a `redis-server` of its own: Go's lines, nothing left behind, and the errors a
//! user meets when Redis is down or an argument is wrong.

mod common;
mod server;

use std::process::{Command, Output};

use server::RedisServer;

fn connector_redis(args: &[&str]) -> Output {
    Command::new(common::example("connector_redis"))
        .args(args)
        .output()
        .expect("the example starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn two_flows_join_through_redis_as_in_go() {
    let server = RedisServer::start("connector");
    let output = connector_redis(&["--redis", &server.address()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "->Call Func PrintStuAvgScore, in Flow[CalStuAvgScore12]\n\
         stuid: [101], avg score: [95]\n\
         stuid: [102], avg score: [90]\n\
         ->Call Func PrintStuAvgScore, in Flow[CalStuAvgScore3]\n\
         stuid: [101], avg score: [90]\n\
         stuid: [102], avg score: [83.33333333333333]\n\
         flow `CalStuAvgScore3`: function `LoadScoreAvg12` failed: avg_score not found for \
         stuId: 103\n"
    );
    // The averages went through this server, under a prefix of the run's own, removed at the end.
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut server.connection())
        .unwrap();
    for command in ["cmdstat_hset:calls=2,", "cmdstat_hgetall:calls=3,"] {
        assert!(info.contains(command), "{command} in {info}");
    }
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query(&mut server.connection())
        .unwrap();
    assert_eq!(keys, Vec::<String>::new());
}

#[test]
fn a_redis_that_is_down_is_an_error_naming_the_connector() {
    let server = RedisServer::start("connector-down");
    let address = server.address();
    drop(server);
    let output = connector_redis(&["--redis", &address]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: connector \"Score12Cache\" failed to initialise: cannot connect to redis at \
             `{address}`: "
        )),
        "{stderr}"
    );
}

#[test]
fn a_bad_argument_exits_2_with_the_usage() {
    let output = connector_redis(&["--redis"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "usage: connector_redis [--redis HOST:PORT]   (default 127.0.0.1:6379)\n"
    );
}
