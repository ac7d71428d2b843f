//! `serve --config DIR` of the embedded command line with a `type: rabbitmq` source against the
//! machine's RabbitMQ: the queue's rows run, the bad one reaches the dead-letter exchange, SIGTERM
//! drains and exits 0, and `dlq` says where RabbitMQ letters are.

#[path = "../../tests/tests/rabbit/mod.rs"]
mod rabbit;
mod scratch;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lapin::types::FieldTable;

fn demo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
}

#[test]
fn serve_runs_a_rabbitmq_source_until_sigterm() {
    let names = rabbit::Names::new("serve", &["scores"]);
    let queue = names.queues[0].clone();
    let dlq = format!("{queue}.dlq");
    let names = names.exchange(&dlq);
    let conf = scratch::fresh_dir("serve-rabbitmq", scratch::free_port());
    let flow = format!(
        "kistype: flow\nstatus: 1\nflow_name: CalStuAvgScore\nsource:\n  type: rabbitmq\n  \
         addrs: {}\n  stream: {queue}\n  batch: 2\nflows:\n  - fname: VerifyStu\n  - fname: \
         AvgStuScore\n  - fname: PrintStuAvgScore\n",
        rabbit::ADDR
    );
    std::fs::write(conf.join("flow-CalStuAvgScore.yml"), flow).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_connection, channel) = runtime.block_on(rabbit::connect());
    let mut rows: Vec<Vec<u8>> = [101, 102, 103]
        .iter()
        .map(|id| {
            format!(r#"{{"stu_id":{id},"score_1":90,"score_2":80,"score_3":70}}"#).into_bytes()
        })
        .collect();
    rows.push(b"oops".to_vec());
    runtime.block_on(async {
        rabbit::declare(&channel, &queue, FieldTable::default()).await;
        rabbit::publish(&channel, &queue, &rows).await;
    });

    let child = demo()
        .args(["serve", "--config", conf.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(matches!(rabbit::counts(&queue), Some((0, 0, _)))
        && matches!(rabbit::counts(&dlq), Some((1, _, _))))
    {
        assert!(
            Instant::now() < deadline,
            "serve did not drain the queue within 20 s"
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
        stdout.starts_with(&format!(
            "serving flow `CalStuAvgScore` from rabbitmq queue `{queue}` at 127.0.0.1:5672, \
             group `{queue}`\n"
        )),
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
    let letters = runtime.block_on(rabbit::take_all(&channel, &dlq));
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].data, b"oops");

    let listed = demo()
        .args([
            "dlq",
            "list",
            "CalStuAvgScore",
            "--config",
            conf.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert!(!listed.status.success());
    assert!(
        stderr.contains(&format!(
            "flow `CalStuAvgScore` sends its dead letters to the RabbitMQ exchange `{dlq}`"
        )),
        "{stderr}"
    );
    drop(names);
}
