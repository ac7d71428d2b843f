//! The delivery tags one channel handed out and has not settled yet, and how to ack a set of them
//! in the fewest frames.
//!
//! A `multiple` ack of tag T acks every unsettled delivery of the channel up to T. It is safe only
//! when every tag held up to T is among those to ack: a batch another flow instance is still
//! running must not be acked with it. Deliveries the consumer buffered but nobody fetched have
//! higher tags than every fetched one (a channel numbers its deliveries in order), so they are
//! never covered.
//!
//! The tags are kept in a sorted `VecDeque`: a channel numbers its deliveries in order, so a
//! fetched batch is appended at the back, and a batch acked in order is taken from the front.
//! The `BTreeSet` this replaced cost about 250 instructions a message (insert, look up, remove).

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

/// How to settle a set of tags: one `multiple` frame up to a tag, and single frames for the rest.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Plan {
    /// Settle every held tag up to this one with one frame.
    pub(super) up_to: Option<u64>,
    /// Settle these one by one.
    pub(super) singles: Vec<u64>,
}

/// Tags fetched and not settled, of one channel, in ascending order without repeats.
#[derive(Debug, Default)]
pub(super) struct Held {
    tags: Mutex<VecDeque<u64>>,
}

impl Held {
    /// Holds the tags of a fetched batch. Two fetches may hold their batches out of order; a tag
    /// below the highest held goes to its place.
    pub(super) fn hold(&self, tags: impl IntoIterator<Item = u64>) {
        let mut held = self.lock();
        for tag in tags {
            match held.back() {
                Some(&last) if tag <= last => {
                    if let Err(at) = held.binary_search(&tag) {
                        held.insert(at, tag);
                    }
                }
                _ => held.push_back(tag),
            }
        }
    }

    /// Takes `tags` (those held; the rest are counted and skipped) and plans their settling: the
    /// longest run of the smallest held tags that are all to settle goes in one `multiple`
    /// frame, when it has more than one tag.
    pub(super) fn take(&self, tags: &[u64]) -> (Plan, usize) {
        let mut held = self.lock();
        let mut wanted = tags.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        // Tags below the lowest held were settled before: not held.
        let settled = held.front().map_or(wanted.len(), |&lowest| {
            wanted.partition_point(|&tag| tag < lowest)
        });
        let wanted = &wanted[settled..];
        // Mostly a batch is the lowest held tags, in order: one walk takes them from the front.
        let prefix = held
            .iter()
            .zip(wanted)
            .take_while(|(held, wanted)| held == wanted)
            .count();
        let mut taken: Vec<u64> = held.drain(..prefix).collect();
        if prefix < wanted.len() {
            // The rest, past a gap: one merge walk of the two sorted lists takes those held.
            let mut rest = wanted[prefix..].iter().peekable();
            held.retain(|&tag| {
                while rest.next_if(|&&next| next < tag).is_some() {}
                let take = rest.next_if(|&&next| next == tag).is_some();
                if take {
                    taken.push(tag);
                }
                !take
            });
        }
        let unknown = tags.len() - taken.len();
        let plan = if prefix > 1 {
            Plan {
                up_to: Some(taken[prefix - 1]),
                singles: taken.split_off(prefix),
            }
        } else {
            Plan {
                up_to: None,
                singles: taken,
            }
        };
        (plan, unknown)
    }

    /// How many tags are held.
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<u64>> {
        self.tags.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::{Held, Plan};

    fn held(tags: impl IntoIterator<Item = u64>) -> Held {
        let held = Held::default();
        held.hold(tags);
        held
    }

    #[test]
    fn a_batch_holding_every_lower_tag_is_acked_with_one_frame() {
        let held = held(1..=10);
        let (plan, unknown) = held.take(&[3, 1, 2, 4]);
        assert_eq!((plan.up_to, plan.singles, unknown), (Some(4), vec![], 0));
        assert_eq!(held.len(), 6);
    }

    #[test]
    fn tags_past_a_gap_go_one_by_one_and_the_gap_stays_held() {
        // 3 and 4 belong to a batch another instance still runs.
        let held = held(1..=8);
        let (plan, _) = held.take(&[1, 2, 5, 6]);
        assert_eq!(
            plan,
            Plan {
                up_to: Some(2),
                singles: vec![5, 6]
            }
        );
        let (plan, _) = held.take(&[6, 7]);
        assert_eq!(plan.singles, vec![7], "6 was settled already");
        let (plan, _) = held.take(&[3, 4]);
        assert_eq!(plan.up_to, Some(4), "now the lowest held");
        assert_eq!(held.len(), 1, "8 is left");
    }

    #[test]
    fn batches_held_out_of_order_keep_the_tags_sorted() {
        let held = held([5, 6]);
        held.hold([3, 4, 5]);
        assert_eq!(held.len(), 4, "5 is held once");
        let (plan, unknown) = held.take(&[4, 3]);
        assert_eq!(
            (plan.up_to, unknown),
            (Some(4), 0),
            "3 and 4 are the lowest held"
        );
        let (plan, _) = held.take(&[6]);
        assert_eq!(plan.singles, vec![6], "5 is still held below it");
        assert_eq!(held.len(), 1);
    }

    #[test]
    fn a_tag_settled_before_splits_the_run_but_is_not_sent() {
        // 3 was settled by an earlier ack: the rest go, 4 in a frame of its own.
        let held = held([1, 2, 4]);
        let (plan, unknown) = held.take(&[4, 3, 2, 1, 0]);
        let expected = Plan {
            up_to: Some(2),
            singles: vec![4],
        };
        assert_eq!((plan, unknown), (expected, 2));
        assert_eq!(held.len(), 0);
    }

    #[test]
    fn unknown_tags_are_counted_and_a_lone_tag_needs_no_multiple_frame() {
        let held = held([5, 9]);
        let (plan, unknown) = held.take(&[9, 11, 12]);
        assert_eq!((plan.up_to, plan.singles, unknown), (None, vec![9], 2));
        let (plan, unknown) = held.take(&[5]);
        assert_eq!((plan.up_to, plan.singles, unknown), (None, vec![5], 0));
    }
}
