//! The source's bookkeeping without a broker: ids, settings, and each partition's commit point.

use super::partitions::{Key, Partitions, Received};
use super::{client_config, message_id, parse_id};
use crate::source::Message;

#[test]
fn ids_name_topic_partition_and_offset_and_parse_back() {
    let id = message_id("scores.v2", 3, 42);
    assert_eq!(id, "scores.v2/3/42");
    assert_eq!(parse_id(&id), Some(("scores.v2".to_owned(), 3, 42)));
    assert_eq!(parse_id("42"), None);
    assert_eq!(parse_id("t/x/1"), None);
}

#[test]
fn a_bad_setting_is_a_config_error_naming_it() {
    let options = [("no.such.key".to_owned(), "1".to_owned())];
    let err = client_config("127.0.0.1:9092", &options, "topic `t`").unwrap_err();
    assert!(err.to_string().contains("no.such.key"), "{err}");
    let err = client_config("a:1,,b:2", &[], "topic `t`").unwrap_err();
    assert!(err.to_string().contains("not a list of brokers"), "{err}");
}

fn key(partition: i32) -> Key {
    ("t".to_owned(), partition)
}

fn receive(partitions: &mut Partitions, partition: i32, offsets: impl IntoIterator<Item = i64>) {
    for offset in offsets {
        let message = Message::new(format!("t/{partition}/{offset}"), Vec::new());
        partitions.receive(
            key(partition),
            Received {
                offset,
                millis: Some(offset),
                message,
            },
        );
    }
}

fn ids(batch: &[Message]) -> Vec<&str> {
    batch
        .iter()
        .map(|m| m.id.as_text().expect("kafka ids are text"))
        .collect()
}

#[test]
fn a_failed_offset_holds_the_commit_point_however_many_later_ones_succeed() {
    let mut partitions = Partitions::default();
    receive(&mut partitions, 0, 10..15);
    assert_eq!(
        ids(&partitions.take_batch(10)),
        ["t/0/10", "t/0/11", "t/0/12", "t/0/13", "t/0/14"]
    );
    assert_eq!(
        partitions.ack([(key(0), 10), (key(0), 11), (key(0), 13), (key(0), 14)]),
        [(key(0), 12)]
    );
    assert!(
        partitions.take_batch(10).is_empty(),
        "12 is still in flight: the partition is busy"
    );
    assert_eq!(
        partitions.ack([(key(0), 12)]),
        [(key(0), 15)],
        "then the whole prefix is done"
    );
    assert_eq!(
        partitions.ack([(key(0), 12)]),
        [],
        "an ack of an offset not in flight changes nothing"
    );
}

#[test]
fn one_batch_per_partition_is_in_flight_and_buffered_messages_hold_the_commit_point() {
    let mut partitions = Partitions::default();
    receive(&mut partitions, 0, 0..4);
    receive(&mut partitions, 1, 100..102);
    assert_eq!(
        ids(&partitions.take_batch(2)),
        ["t/0/0", "t/0/1"],
        "the oldest partition first"
    );
    assert_eq!(ids(&partitions.take_batch(2)), ["t/1/100", "t/1/101"]);
    assert!(
        partitions.take_batch(2).is_empty(),
        "both partitions are busy"
    );
    assert_eq!(
        partitions.ack([(key(0), 0), (key(0), 1)]),
        [(key(0), 2)],
        "2 is buffered, not done"
    );
    assert_eq!(partitions.buffered(), 2);
    assert_eq!(ids(&partitions.take_batch(9)), ["t/0/2", "t/0/3"]);
    assert_eq!(partitions.oldest_millis(), Some(2));
}

#[test]
fn released_offsets_and_all_after_them_are_forgotten_until_received_again() {
    let mut partitions = Partitions::default();
    receive(&mut partitions, 0, 0..3);
    partitions.take_batch(3);
    receive(&mut partitions, 0, 3..5);
    assert_eq!(
        partitions.release([(key(0), 2), (key(0), 1)]),
        [(key(0), 1)],
        "seek to 1"
    );
    assert_eq!(
        partitions.buffered(),
        0,
        "3 and 4 come again after the seek"
    );
    assert_eq!(partitions.ack([(key(0), 0)]), [(key(0), 1)]);
    receive(&mut partitions, 0, [5, 6]);
    assert_eq!(
        partitions.buffered(),
        0,
        "from the old position: dropped until 1 comes"
    );
    receive(&mut partitions, 0, [1, 2]);
    assert_eq!(ids(&partitions.take_batch(9)), ["t/0/1", "t/0/2"]);
}

#[test]
fn a_partition_received_again_from_an_earlier_offset_drops_its_buffer_from_there() {
    let mut partitions = Partitions::default();
    receive(&mut partitions, 0, 0..4);
    receive(&mut partitions, 0, [1, 2]);
    assert_eq!(
        ids(&partitions.take_batch(9)),
        ["t/0/0", "t/0/1", "t/0/2"],
        "3 comes again after 2; nothing is skipped"
    );
    assert_eq!(
        partitions.ack([(key(0), 0), (key(0), 1), (key(0), 2)]),
        [(key(0), 3)]
    );
}

#[test]
fn a_revoked_partition_gives_its_commit_point_and_is_forgotten() {
    let mut partitions = Partitions::default();
    receive(&mut partitions, 0, 0..3);
    receive(&mut partitions, 1, 5..6);
    partitions.take_batch(1);
    assert_eq!(partitions.revoke(&key(0)), Some(0));
    assert_eq!(partitions.revoke(&key(0)), None);
    assert_eq!(partitions.buffered(), 1);
    assert_eq!(
        partitions.ack([(key(0), 0)]),
        [],
        "a late ack of a revoked partition is ignored"
    );
    assert_eq!(
        partitions.revoke(&key(1)),
        Some(5),
        "its first buffered offset"
    );
}
