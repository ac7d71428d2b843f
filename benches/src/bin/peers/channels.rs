//! The workload as a tokio channel pipeline, written as tokio's `mpsc` docs show: each step a
//! spawned task reading its bounded channel with `while let Some(..) = rx.recv().await` and sending
//! its output on to the next, the source sending from the calling task. A message is a batch: a
//! `Vec` of 1000 rows in W1, of one row in W3. Pipelined, the source sends on without waiting;
//! awaited, it waits for the last task to answer each message before sending the next, as a
//! caller that needs each run's end (kisflow's `run().await`) would.

use kisflow_bench::{StuAvg, StuGrade, StuScore, average, count_a, grade, is_valid};
use tokio::sync::mpsc;

/// The bound of each channel, the figure of tokio's own examples.
const CAPACITY: usize = 100;

/// Sends every message through a fresh pipeline of four tasks and waits until the last task has
/// counted them all, and with `each_awaited` each message's end before sending the next; returns
/// the A grades counted. Call it inside a tokio runtime.
pub(crate) async fn pipeline(
    messages: impl IntoIterator<Item = Vec<StuScore>>,
    each_awaited: bool,
) -> u64 {
    let (to_verify, mut verify_in) = mpsc::channel::<Vec<StuScore>>(CAPACITY);
    let (to_average, mut average_in) = mpsc::channel::<Vec<StuScore>>(CAPACITY);
    let (to_grade, mut grade_in) = mpsc::channel::<Vec<StuAvg>>(CAPACITY);
    let (to_count, mut count_in) = mpsc::channel::<Vec<StuGrade>>(CAPACITY);
    tokio::spawn(async move {
        while let Some(rows) = verify_in.recv().await {
            let valid: Vec<StuScore> = rows.into_iter().filter(is_valid).collect();
            // As the hand-written steps: nothing left, nothing more to do, unless the source
            // waits to hear that the message is done.
            if (each_awaited || !valid.is_empty()) && to_average.send(valid).await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(rows) = average_in.recv().await {
            if to_grade
                .send(rows.into_iter().map(average).collect())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(rows) = grade_in.recv().await {
            if to_count
                .send(rows.into_iter().map(grade).collect())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let (done, mut done_in) = mpsc::channel::<()>(1);
    let counter = tokio::spawn(async move {
        let mut a_grades = 0;
        while let Some(rows) = count_in.recv().await {
            a_grades += count_a(&rows);
            if each_awaited && done.send(()).await.is_err() {
                break;
            }
        }
        a_grades
    });
    for message in messages {
        to_verify
            .send(message)
            .await
            .expect("the verify task runs until its channel closes");
        if each_awaited {
            done_in
                .recv()
                .await
                .expect("the count task answers every message");
        }
    }
    // Closing the first channel ends each task in turn once it has passed everything on.
    drop(to_verify);
    counter.await.expect("the count task does not panic")
}
