//! `kisflow-demo serve --ui` over HTTP: the demo's flows with no source configured, and a worker
//! on a real `redis-server` paused, resumed and its dead letter replayed through the dashboard,
//! with the token checked and every action in the audit file. The browser suite
//! (`tests/browser`, `scripts/test_browser.sh`) drives the same pages in chromium.

mod server;
mod ui_client;

use std::time::Duration;

use server::RedisServer;
use ui_client::{eventually, get, http, post, serve, stop};

#[test]
fn serve_ui_shows_the_demo_flows_with_no_source_configured() {
    let conf = concat!(env!("CARGO_MANIFEST_DIR"), "/kisflow_cli/conf");
    let (child, addr) = serve(&["--config", conf]);
    let (status, flows) = get(&addr, "/flows");
    assert_eq!(status, 200);
    for flow in ["AvgScores", "CalStuAvgScore", "HonourRoll", "ScoreReport"] {
        assert!(
            flows.contains(&format!("data-testid=\"flow-row-{flow}\"")),
            "{flows}"
        );
    }
    assert!(
        flows.contains("data-testid=\"flow-status-HonourRoll\">idle<"),
        "{flows}"
    );
    let (_, graph) = get(&addr, "/flows/HonourRoll");
    assert!(
        graph.contains("data-testid=\"node-VerifyStu\" data-mode=\"Verify\""),
        "{graph}"
    );
    assert!(
        graph.contains("data-testid=\"edge-VerifyStu-AvgStuScore\""),
        "{graph}"
    );
    // A YAML flow ending in branches: VerifyStu -> AvgStuScore -> [PrintStuAvgScore,
    // TopStudents -> PrintHonourRoll].
    let (_, fork) = get(&addr, "/flows/ScoreReport");
    for edge in [
        "VerifyStu-AvgStuScore",
        "AvgStuScore-PrintStuAvgScore",
        "AvgStuScore-TopStudents",
        "TopStudents-PrintHonourRoll",
    ] {
        assert!(
            fork.contains(&format!("data-testid=\"edge-{edge}\"")),
            "{fork}"
        );
    }
    assert_eq!(fork.matches("<g data-testid=\"edge-").count(), 4, "{fork}");
    assert_eq!(get(&addr, "/flows/Nope").0, 404);
    let (_, config) = get(&addr, "/config");
    assert!(config.contains("data-testid=\"config-ok\""), "{config}");
    assert!(config.contains("flow_name: HonourRoll"), "{config}");
    let (status, script) = get(&addr, "/assets/htmx.min.js");
    assert_eq!(status, 200);
    assert!(script.len() > 40_000, "htmx is compiled in");
    let (status, refused) = http(&addr, "POST", "/schedules/averages/trigger", &[], "");
    assert_eq!(status, 403);
    assert!(
        refused.contains("refused: this action needs the dashboard&#39;s token"),
        "{refused}"
    );
    let (status, events) = get(&addr, "/sources");
    assert_eq!(status, 200);
    assert!(events.contains("data-testid=\"no-sources\""), "{events}");
    assert_eq!(get(&addr, "/api/sources"), (200, "[]".to_owned()));
    stop(child);
}

#[test]
fn serve_ui_pauses_resumes_and_replays_a_redis_worker() {
    let redis = RedisServer::start("dashboard");
    let conf = redis.dir().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    let flow = format!(
        "kistype: flow\nstatus: 1\nflow_name: CalStuAvgScore\nsource:\n  type: redis\n  addrs: {}\n  \
         stream: scores\n  group: printers\n  batch: 5\nflows:\n  - fname: VerifyStu\n  - fname: AvgStuScore\n  \
         - fname: PrintStuAvgScore\n",
        redis.address()
    );
    std::fs::write(conf.join("flow-CalStuAvgScore.yml"), flow).unwrap();
    let mut con = redis.connection();
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", "scores", "printers", "0", "MKSTREAM"])
        .query(&mut con)
        .unwrap();
    let mut add = |data: &str| {
        let _: String = redis::cmd("XADD")
            .arg(&["scores", "*", "data", data])
            .query(&mut con)
            .unwrap();
    };
    for id in 1..=10 {
        add(&format!(
            r#"{{"stu_id":{id},"score_1":90,"score_2":80,"score_3":70}}"#
        ));
    }
    add("oops");
    let audit = redis.dir().join("audit.jsonl");
    let (child, addr) = serve(&[
        "--config",
        conf.to_str().unwrap(),
        "--ui-audit",
        audit.to_str().unwrap(),
    ]);
    eventually("the rows are acked and the bad one dead-lettered", || {
        let (_, page) = get(&addr, "/sources");
        page.contains("data-testid=\"acked-CalStuAvgScore\">11<")
            && page.contains("data-testid=\"dead-CalStuAvgScore\">1<")
    });

    let mut con = redis.connection();
    let group = |con: &mut redis::Connection| -> (u64, u64) {
        let info: Vec<std::collections::HashMap<String, redis::Value>> = redis::cmd("XINFO")
            .arg(&["GROUPS", "scores"])
            .query(con)
            .unwrap();
        let number = |key: &str| match &info[0][key] {
            redis::Value::Int(n) => u64::try_from(*n).unwrap(),
            other => panic!("{key}: {other:?}"),
        };
        (number("pending"), number("lag"))
    };
    assert_eq!(post(&addr, "/sources/CalStuAvgScore/pause", "").0, 303);
    std::thread::sleep(Duration::from_secs(1));
    for id in 11..=13 {
        let row = format!(r#"{{"stu_id":{id},"score_1":90,"score_2":80,"score_3":70}}"#);
        let _: String = redis::cmd("XADD")
            .arg(&["scores", "*", "data", &row])
            .query(&mut con)
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(group(&mut con), (0, 3), "a paused worker reads nothing");
    let (_, page) = get(&addr, "/sources");
    assert!(
        page.contains("data-testid=\"source-status-CalStuAvgScore\">paused<"),
        "{page}"
    );
    assert_eq!(post(&addr, "/sources/CalStuAvgScore/resume", "").0, 303);
    eventually("resume drains the stream", || group(&mut con) == (0, 0));
    eventually("/api/sources counts the rows sent while paused", || {
        drained_per_api(&addr)
    });

    let id = replay_the_bad_row(&addr);
    stop(child);

    let audit = std::fs::read_to_string(audit).unwrap();
    let whats: Vec<String> = audit
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["what"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        whats,
        [
            "pause source of flow `CalStuAvgScore`".to_owned(),
            "resume source of flow `CalStuAvgScore`".to_owned(),
            format!("dry-run replay of 1 dead letters of flow `CalStuAvgScore`: {id}"),
            format!("replay 1 dead letters of flow `CalStuAvgScore`: {id}"),
        ]
    );
}

/// The bad row's dead letter, read, replayed dry and for real through the dashboard: its id.
fn replay_the_bad_row(addr: &str) -> String {
    let (_, letters) = get(addr, "/letters?flow=CalStuAvgScore&kind=decode");
    let id = letters
        .split("data-testid=\"letter-link\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("{letters}"))
        .to_owned();
    let (_, letter) = get(addr, &format!("/letters/CalStuAvgScore/{id}"));
    assert!(
        letter.contains("<pre data-testid=\"letter-payload\">oops</pre>"),
        "{letter}"
    );
    let (status, dry) = post(addr, "/letters/CalStuAvgScore/replay", &format!("id={id}"));
    assert_eq!(status, 200);
    assert!(dry.contains("Would replay 1 to `scores`, 0 kept"), "{dry}");
    let (_, done) = post(
        addr,
        "/letters/CalStuAvgScore/replay",
        &format!("id={id}&confirm=yes"),
    );
    assert!(done.contains("Replayed 1 to `scores`, 0 kept"), "{done}");
    let (status, gone) = get(addr, &format!("/letters/CalStuAvgScore/{id}"));
    assert_eq!(status, 404, "{gone}");
    id
}

/// Whether `/api/sources` says the worker acked all 14 rows (one dead-lettered) and lags by none.
fn drained_per_api(addr: &str) -> bool {
    let (status, body) = get(addr, "/api/sources");
    assert_eq!(status, 200);
    let sources: serde_json::Value = serde_json::from_str(&body).unwrap();
    let source = &sources[0];
    assert_eq!(source["flow"], "CalStuAvgScore");
    assert_eq!(source["paused"], false);
    assert_eq!(source["dead_lettered"], 1);
    source["acked"] == 14 && source["lag_messages"] == 0
}
