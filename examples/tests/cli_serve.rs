//! `serve --config DIR` of the embedded command line against a real `redis-server`: the YAML
//! source's rows run, the bad one is dead-lettered, and SIGTERM drains and exits 0.

mod server;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use server::RedisServer;

fn demo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
}

#[test]
fn serve_runs_the_flows_of_yaml_sources_until_sigterm() {
    let redis = RedisServer::start("serve");
    let conf = redis.dir().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    let source = format!(
        "kistype: flow\nstatus: 1\nflow_name: CalStuAvgScore\nsource:\n  type: redis\n  addrs: {}\n  \
         stream: scores\n  group: printers\n  batch: 2\nflows:\n  - fname: VerifyStu\n  - fname: AvgStuScore\n  \
         - fname: PrintStuAvgScore\n",
        redis.address()
    );
    std::fs::write(conf.join("flow-CalStuAvgScore.yml"), source).unwrap();
    let mut con = redis.connection();
    for id in [101, 102, 103] {
        let row = format!(r#"{{"stu_id":{id},"score_1":90,"score_2":80,"score_3":70}}"#);
        let _: String = redis::cmd("XADD")
            .arg(&["scores", "*", "data", &row])
            .query(&mut con)
            .unwrap();
    }
    let _: String = redis::cmd("XADD")
        .arg(&["scores", "*", "data", "oops"])
        .query(&mut con)
        .unwrap();

    let child = demo()
        .args(["serve", "--config", conf.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let dead: usize = redis::cmd("XLEN")
            .arg("scores.dlq")
            .query(&mut con)
            .unwrap();
        let pending: redis::Value = redis::cmd("XPENDING")
            .arg(&["scores", "printers"])
            .query(&mut con)
            .unwrap_or(redis::Value::Nil);
        let idle = matches!(&pending, redis::Value::Array(parts) if parts.first() == Some(&redis::Value::Int(0)));
        if dead == 1 && idle {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not process the stream within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("serving flow `CalStuAvgScore` from redis stream `scores`"),
        "{stdout}"
    );
    for id in [101, 102, 103] {
        assert!(
            stdout.contains(&format!("stuid: [{id}], avg score: [80]")),
            "{stdout}"
        );
    }
    assert_eq!(
        stderr,
        "flow `CalStuAvgScore` stopped: 4 received, 4 acked, 1 dead-lettered, 0 left unacked\n"
    );

    check_dead_letters(&conf, &mut con);
}

/// The bad row `serve` dead-lettered: listed, shown, replayed dry and for real, then gone.
fn check_dead_letters(conf: &std::path::Path, con: &mut redis::Connection) {
    let conf = conf.to_str().unwrap();
    let dlq = |args: &[&str]| {
        let output = demo().arg("dlq").args(args).output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "dlq {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    let listed = dlq(&["list", "CalStuAvgScore", "--config", conf, "--json"]);
    let letter: serde_json::Value = serde_json::from_str(listed.trim()).unwrap();
    assert_eq!(
        (letter["payload"].as_str(), letter["kind"].as_str()),
        (Some("oops"), Some("Decode"))
    );
    let id = letter["id"].as_str().unwrap();
    let shown = dlq(&["show", "CalStuAvgScore", id, "--config", conf]);
    assert!(
        shown.contains("\"error\": \"flow `CalStuAvgScore`: row"),
        "{shown}"
    );
    let dry = dlq(&["replay", "CalStuAvgScore", "--config", conf, "--dry-run"]);
    assert_eq!(
        dry,
        format!("would replay {id} to `scores`\n1 would replay, 0 kept\n")
    );
    let replayed = dlq(&["replay", "CalStuAvgScore", id, "--config", conf]);
    assert_eq!(
        replayed,
        format!("replayed {id} to `scores`\n1 replayed, 0 kept\n")
    );
    assert_eq!(dlq(&["list", "CalStuAvgScore", "--config", conf]), "");
    let entries: usize = redis::cmd("XLEN").arg("scores").query(con).unwrap();
    assert_eq!(entries, 5, "the bad row is back in the source stream, once");
}

#[test]
fn serve_without_a_source_says_how_to_add_one() {
    let output = demo()
        .args([
            "serve",
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/kisflow_cli/conf"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("names a `source`; add one to a flow file"),
        "{stderr}"
    );
}
