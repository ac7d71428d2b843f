//! W4, many instances on two threads, and the most two threads give the same work by hand.

use std::time::Duration;

use kisflow::Flow;
use kisflow_bench::{Grades, StuScore, baseline};
use tokio::runtime::Runtime;

use super::{FORKS, ROWS, compare, report, timed_with, typed_batches};

/// W4, and the ceiling it is held to on this machine: the hand-written steps spread the same way
/// over two threads, against themselves on one.
pub(super) fn w4(rounds: usize, multi: &Runtime, current: &Runtime, input: &[Vec<StuScore>]) {
    let w4 = compare(
        rounds,
        || forked_batches(multi, input.to_vec()),
        || typed_batches(current, input.to_vec()),
    );
    report(
        &format!("W4 W1 on {FORKS} instances, 2 threads, against W1"),
        ROWS,
        &w4,
    );

    let w4_hand = compare(
        rounds,
        || hand_written_on_two_threads(input.to_vec()),
        || {
            timed_with(input.to_vec(), |batches| {
                for batch in batches {
                    baseline(batch);
                }
            })
        },
    );
    report("   the same by hand: 2 threads, against 1", ROWS, &w4_hand);
}

/// W4: the batches of W1 spread over `FORKS` instances running at once.
fn forked_batches(rt: &Runtime, batches: Vec<Vec<StuScore>>) -> Duration {
    let mut shares: Vec<Vec<Vec<StuScore>>> = (0..FORKS).map(|_| Vec::new()).collect();
    for (i, batch) in batches.into_iter().enumerate() {
        shares[i % FORKS].push(batch);
    }
    timed_with(shares, |shares| {
        rt.block_on(async {
            let tasks: Vec<_> = shares
                .into_iter()
                .map(|share| {
                    tokio::spawn(async move {
                        let mut flow: Flow<Grades> = Grades::new();
                        for batch in share {
                            flow.commit_batch(batch).unwrap();
                            flow.run().await.unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
    })
}

/// W1's hand-written baseline with its batches dealt to two threads, as W4 deals them to its
/// instances: how far two threads can go on this machine without any framework.
fn hand_written_on_two_threads(batches: Vec<Vec<StuScore>>) -> Duration {
    let mut halves: [Vec<Vec<StuScore>>; 2] = [Vec::new(), Vec::new()];
    for (i, batch) in batches.into_iter().enumerate() {
        halves[i % 2].push(batch);
    }
    timed_with(halves, |halves| {
        std::thread::scope(|scope| {
            for half in halves {
                scope.spawn(move || {
                    for batch in half {
                        baseline(batch);
                    }
                });
            }
        });
    })
}
