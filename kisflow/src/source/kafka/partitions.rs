//! What a [`KafkaSource`](super::KafkaSource) knows of each assigned partition: messages
//! received and not yet handed out, offsets handed out and not yet done, and so the offset it
//! may commit.
//!
//! Kafka's committed offset is a watermark: committing N+1 says every offset up to N is done. So
//! the commit point of a partition is its lowest offset not done: the lowest in flight, else the
//! first buffered, else one past the last received. An offset that failed stays in flight until
//! it is acked (dead-lettered) or released, and holds the commit point below it however many
//! later offsets succeed. Offsets Kafka never delivers (compaction, transaction markers) are no
//! gap: only received offsets count.
//!
//! At most one batch of a partition is in flight at a time, which keeps each partition's order
//! with any number of flow instances.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::source::Message;

/// A topic and a partition of it.
pub(super) type Key = (String, i32);

/// A message received, held until a fetch hands it out.
#[derive(Debug)]
pub(super) struct Received {
    pub(super) offset: i64,
    /// The message's Kafka timestamp in milliseconds since the Unix epoch, when it has one.
    pub(super) millis: Option<i64>,
    pub(super) message: Message,
}

#[derive(Debug, Default)]
struct Partition {
    buffer: VecDeque<Received>,
    /// Offsets handed out and not yet acked, with their timestamps (for the lag's age).
    in_flight: BTreeMap<i64, Option<i64>>,
    /// One past the last offset received, once one was.
    next: Option<i64>,
    /// The commit point last committed, so an ack commits only what moved.
    committed: Option<i64>,
    /// Set by a release until the consumer's seek back to this offset shows: what comes from
    /// the old position meanwhile is dropped, so nothing after it is held before it. Should the
    /// seek fail, the partition stalls here (until a restart or a rebalance) rather than skip.
    rewound_to: Option<i64>,
}

impl Partition {
    fn commit_point(&self) -> Option<i64> {
        self.in_flight
            .keys()
            .next()
            .copied()
            .or_else(|| self.buffer.front().map(|r| r.offset))
            .or(self.next)
    }
}

/// Every assigned partition this consumer has received from.
#[derive(Debug, Default)]
pub(super) struct Partitions {
    by_key: HashMap<Key, Partition>,
    buffered: usize,
}

impl Partitions {
    /// Holds a received message. One below an offset already received means the consumer went
    /// back (a seek, a partition assigned again): what is buffered from there on is dropped, as it
    /// comes again; nothing is ever skipped. In-flight offsets stay until their batch settles.
    pub(super) fn receive(&mut self, key: Key, received: Received) {
        let partition = self.by_key.entry(key).or_default();
        match partition.rewound_to {
            Some(to) if received.offset != to => return,
            Some(_) => partition.rewound_to = None,
            None => {}
        }
        if partition.next.is_some_and(|next| received.offset < next) {
            let keep = partition
                .buffer
                .partition_point(|r| r.offset < received.offset);
            self.buffered -= partition.buffer.len() - keep;
            partition.buffer.truncate(keep);
        }
        partition.next = Some(received.offset + 1);
        partition.buffer.push_back(received);
        self.buffered += 1;
    }

    /// Messages received and not handed out, over all partitions.
    pub(super) fn buffered(&self) -> usize {
        self.buffered
    }

    /// Up to `max` buffered messages of one partition with nothing in flight, marked in flight:
    /// the partition whose first buffered message is the oldest, so none starves. Empty when
    /// every partition with buffered messages has a batch in flight.
    pub(super) fn take_batch(&mut self, max: usize) -> Vec<Message> {
        let free = self
            .by_key
            .values_mut()
            .filter(|p| p.in_flight.is_empty() && !p.buffer.is_empty())
            .min_by_key(|p| p.buffer.front().and_then(|r| r.millis).unwrap_or(i64::MAX));
        let Some(partition) = free else {
            return Vec::new();
        };
        let n = partition.buffer.len().min(max.max(1));
        self.buffered -= n;
        partition
            .buffer
            .drain(..n)
            .map(|r| {
                partition.in_flight.insert(r.offset, r.millis);
                r.message
            })
            .collect()
    }

    /// Marks `offsets` done and returns the partitions whose commit point moved, with it. An
    /// offset not in flight (its partition was revoked, or released) is ignored.
    pub(super) fn ack(&mut self, offsets: impl IntoIterator<Item = (Key, i64)>) -> Vec<(Key, i64)> {
        let mut touched: Vec<Key> = Vec::new();
        for (key, offset) in offsets {
            if let Some(partition) = self.by_key.get_mut(&key)
                && partition.in_flight.remove(&offset).is_some()
                && !touched.contains(&key)
            {
                touched.push(key);
            }
        }
        touched
            .into_iter()
            .filter_map(|key| {
                let partition = self.by_key.get_mut(&key)?;
                let point = partition.commit_point()?;
                (partition.committed != Some(point)).then(|| {
                    partition.committed = Some(point);
                    (key, point)
                })
            })
            .collect()
    }

    /// The partitions whose commit point is not the one last committed (a commit failed, or
    /// none was made), marked committed: what a fetch commits again.
    pub(super) fn uncommitted(&mut self) -> Vec<(Key, i64)> {
        self.by_key
            .iter_mut()
            .filter_map(|(key, partition)| {
                let point = partition.commit_point()?;
                (partition.committed != Some(point)).then(|| {
                    partition.committed = Some(point);
                    (key.clone(), point)
                })
            })
            .collect()
    }

    /// Every partition's commit point, marked committed: what a refresh commits again.
    pub(super) fn commit_points(&mut self) -> Vec<(Key, i64)> {
        self.by_key
            .iter_mut()
            .filter_map(|(key, partition)| {
                let point = partition.commit_point()?;
                partition.committed = Some(point);
                Some((key.clone(), point))
            })
            .collect()
    }

    /// A commit of these points failed (a rebalance was in progress, the coordinator moved):
    /// the next fetch commits them again, unless a later point was committed meanwhile.
    pub(super) fn commit_failed(&mut self, points: impl IntoIterator<Item = (Key, i64)>) {
        for (key, point) in points {
            if let Some(partition) = self.by_key.get_mut(&key)
                && partition.committed == Some(point)
            {
                partition.committed = None;
            }
        }
    }

    /// Gives `offsets` back: for each partition, the lowest of them and everything after it is
    /// forgotten (in flight or buffered), so the consumer must seek there to receive them again;
    /// until that offset comes, the partition receives nothing else. Returns where to seek.
    pub(super) fn release(
        &mut self,
        offsets: impl IntoIterator<Item = (Key, i64)>,
    ) -> Vec<(Key, i64)> {
        let mut lowest: HashMap<Key, i64> = HashMap::new();
        for (key, offset) in offsets {
            if self
                .by_key
                .get(&key)
                .is_some_and(|p| p.in_flight.contains_key(&offset))
            {
                let low = lowest.entry(key).or_insert(offset);
                *low = (*low).min(offset);
            }
        }
        for (key, from) in &lowest {
            if let Some(partition) = self.by_key.get_mut(key) {
                partition.in_flight.retain(|offset, _| offset < from);
                self.buffered -= partition.buffer.len();
                partition.buffer.clear();
                partition.next = Some(*from);
                partition.rewound_to = Some(*from);
            }
        }
        lowest.into_iter().collect()
    }

    /// Forgets a revoked partition and returns its commit point, when it has one to commit.
    pub(super) fn revoke(&mut self, key: &Key) -> Option<i64> {
        let partition = self.by_key.remove(key)?;
        self.buffered -= partition.buffer.len();
        partition.commit_point()
    }

    /// The timestamp of the oldest message held (in flight or buffered), in milliseconds.
    pub(super) fn oldest_millis(&self) -> Option<i64> {
        self.by_key
            .values()
            .filter_map(|p| {
                let in_flight = p.in_flight.values().next().copied().flatten();
                in_flight.or_else(|| p.buffer.front().and_then(|r| r.millis))
            })
            .min()
    }
}
