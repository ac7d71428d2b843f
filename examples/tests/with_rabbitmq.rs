//! `examples/with_rabbitmq.rs` (usage example 14 with RabbitMQ) run as a process against the
//! machine's RabbitMQ: the failed first run is requeued, every valid row is printed once after
//! its redelivery, the queue is left empty; a server that is not there and a bad argument are
//! errors.

mod common;
#[path = "../../tests/tests/rabbit/mod.rs"]
mod rabbit;

use std::process::{Command, Output};

fn with_rabbitmq(args: &[&str]) -> Output {
    Command::new(common::example("with_rabbitmq"))
        .args(args)
        .output()
        .expect("the example starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_failed_run_is_requeued_and_every_valid_row_printed_once() {
    let names = rabbit::Names::new("with-rabbitmq", &["scores"]);
    let queue = &names.queues[0];
    let output = with_rabbitmq(&["--amqp", rabbit::ADDR, "--queue", queue]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "run failed on delivery 1: flow `CalStuAvgScore`: function `AvgStuScore` failed: the \
         grader is warming up; 6 rows requeued for later\n\
         stuid: [101], avg score: [90]\n\
         stuid: [102], avg score: [76.66666666666667]\n\
         stuid: [103], avg score: [90]\n\
         stuid: [104], avg score: [70]\n\
         stuid: [105], avg score: [99]\n"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(
        runtime.block_on(rabbit::ready_after_consumers(queue)),
        0,
        "every row acked"
    );
}

#[test]
fn a_server_that_is_not_there_and_a_bad_argument_are_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = with_rabbitmq(&["--amqp", &format!("127.0.0.1:{port}")]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: cannot publish the rows to queue `kisflow-with-rabbitmq-"),
        "{stderr}"
    );
    let output = with_rabbitmq(&["--batch", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "usage: with_rabbitmq [--amqp HOST:PORT|URL] [--queue NAME] [--batch N]   (default \
         127.0.0.1:5672)\n"
    );
}
