//! Runnable examples of kisflow; see `examples/*.rs` and run one with `cargo run --example NAME`.
//!
//! This library holds the rows the examples share: Go KisFlow's students with three scores
//! ([`StuScore`]) and their averages ([`StuAvg`]), the workers' [`stop_signal`] and their command lines ([`worker`]). The examples still declare their own
//! `#[kis_function]`s and flows: a function defined here would be registered in every example
//! and in the `kisflow-demo` command line. `quick_start.rs` keeps its own copy of both types,
//! since it is the quick start exactly as the README shows it.
//!
//! `examples/tests/outputs.rs` runs every example and compares what it prints with
//! `examples/expected/<name>.txt`.

use std::fmt;

pub mod worker;

use serde::{Deserialize, Serialize};

/// A student's three scores: the row the examples commit, as JSON
/// (`{"stu_id":101,"score_1":100,"score_2":90,"score_3":80}`) or as a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StuScore {
    /// The student's id; [`StuScore::has_valid_id`] says which ids Go's `VerifyStu` lets through.
    pub stu_id: i64,
    /// The first score.
    pub score_1: i64,
    /// The second score.
    pub score_2: i64,
    /// The third score.
    pub score_3: i64,
}

impl StuScore {
    /// A row from its four fields in order, short for the struct literal in examples that commit
    /// many rows: `StuScore::new(101, 100, 90, 80)`.
    #[must_use]
    pub fn new(stu_id: i64, score_1: i64, score_2: i64, score_3: i64) -> Self {
        Self {
            stu_id,
            score_1,
            score_2,
            score_3,
        }
    }

    /// Whether the id is one Go's `VerifyStu` keeps: 0 to 999.
    #[must_use]
    pub fn has_valid_id(&self) -> bool {
        (0..1000).contains(&self.stu_id)
    }
}

/// A student's average score, what `AvgStuScore` emits. It prints as Go's `PrintStuAvgScore`
/// does: `stuid: [101], avg score: [90]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StuAvg {
    /// The student's id.
    pub stu_id: i64,
    /// The mean of the three scores.
    pub avg_score: f64,
}

impl From<StuScore> for StuAvg {
    /// The mean of the three scores, the sum divided by three as Go computes it.
    fn from(row: StuScore) -> Self {
        #[allow(clippy::cast_precision_loss)] // scores are small
        let avg_score = (row.score_1 + row.score_2 + row.score_3) as f64 / 3.0;
        Self {
            stu_id: row.stu_id,
            avg_score,
        }
    }
}

impl fmt::Display for StuAvg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stuid: [{}], avg score: [{}]",
            self.stu_id, self.avg_score
        )
    }
}

/// Completes on SIGTERM or SIGINT: what the worker examples (`stream_worker`,
/// `scheduled_worker`) drain and stop on.
///
/// # Panics
///
/// When a SIGTERM handler cannot be installed (no signal support), at the start.
pub async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler can be installed");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_prints_as_go_prints_it() {
        assert_eq!(
            StuAvg::from(StuScore::new(102, 100, 70, 60)).to_string(),
            "stuid: [102], avg score: [76.66666666666667]"
        );
        assert_eq!(
            StuAvg::from(StuScore::new(101, 100, 90, 80)).to_string(),
            "stuid: [101], avg score: [90]"
        );
    }

    #[test]
    fn valid_ids_are_0_to_999() {
        let ids = [-1, 0, 999, 1000].map(|id| StuScore::new(id, 0, 0, 0).has_valid_id());
        assert_eq!(ids, [false, true, true, false]);
    }
}
