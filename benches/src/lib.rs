//! The benchmark workload of docs/BENCHMARKS.md, once through kisflow and once written by hand.
//!
//! One flow of four functions over student scores: Verify (keep `0 <= stu_id < 1e9`) → Calculate
//! (average of the three scores) → Calculate (grade A at 90 and above, B at 75 and above, else C)
//! → Expand (count the A grades).

pub mod alloc_meter;

use std::sync::atomic::{AtomicU64, Ordering};

use kisflow::prelude::*;
use serde::{Deserialize, Serialize};

/// An input row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StuScore {
    /// Student id; rows outside `0..1e9` are dropped by the Verify step.
    pub stu_id: i64,
    /// First score.
    pub score_1: i64,
    /// Second score.
    pub score_2: i64,
    /// Third score.
    pub score_3: i64,
}

/// A student's average.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StuAvg {
    /// Student id.
    pub stu_id: i64,
    /// Average of the three scores.
    pub avg_score: f64,
}

/// A student's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StuGrade {
    /// Student id.
    pub stu_id: i64,
    /// `b'A'`, `b'B'` or `b'C'`.
    pub grade: u8,
}

/// A grades counted by the Expand step of every flow instance.
pub static FLOW_A_GRADES: AtomicU64 = AtomicU64::new(0);
/// A grades counted by the hand-written baseline.
pub static BASELINE_A_GRADES: AtomicU64 = AtomicU64::new(0);

/// The Verify step on one row: `0 <= stu_id < 1e9`.
#[must_use]
pub fn is_valid(r: &StuScore) -> bool {
    (0..1_000_000_000).contains(&r.stu_id)
}

/// The first Calculate step on one row: the average of the three scores.
#[must_use]
#[allow(clippy::cast_precision_loss)] // scores are small integers
pub fn average(r: StuScore) -> StuAvg {
    StuAvg {
        stu_id: r.stu_id,
        avg_score: (r.score_1 + r.score_2 + r.score_3) as f64 / 3.0,
    }
}

/// The second Calculate step on one row: A at 90 and above, B at 75 and above, else C.
#[must_use]
pub fn grade(r: StuAvg) -> StuGrade {
    let grade = if r.avg_score >= 90.0 {
        b'A'
    } else if r.avg_score >= 75.0 {
        b'B'
    } else {
        b'C'
    };
    StuGrade {
        stu_id: r.stu_id,
        grade,
    }
}

/// The Expand step on a batch: how many rows have grade A.
#[must_use]
pub fn count_a(rows: &[StuGrade]) -> u64 {
    rows.iter().filter(|r| r.grade == b'A').count() as u64
}

/// Verify: keep rows with `0 <= stu_id < 1e9`.
#[kis_function(mode = "Verify", name = "VerifyStu")]
pub fn verify_stu(rows: Vec<StuScore>) -> Vec<StuScore> {
    rows.into_iter().filter(is_valid).collect()
}

/// Calculate: the average of the three scores.
#[kis_function(mode = "Calculate", name = "AvgStuScore")]
pub fn avg_stu_score(rows: Vec<StuScore>) -> Vec<StuAvg> {
    rows.into_iter().map(average).collect()
}

/// Calculate: the grade of an average.
#[kis_function(mode = "Calculate", name = "GradeStu")]
pub fn grade_stu(rows: Vec<StuAvg>) -> Vec<StuGrade> {
    rows.into_iter().map(grade).collect()
}

/// Expand: count the A grades.
#[kis_function(mode = "Expand", name = "CountA")]
#[allow(clippy::needless_pass_by_value)] // a handler owns its batch
pub fn count_grade_a(rows: Vec<StuGrade>) {
    FLOW_A_GRADES.fetch_add(count_a(&rows), Ordering::Relaxed);
}

flow!(
    /// The benchmark flow.
    pub Grades: verify_stu -> avg_stu_score -> grade_stu -> count_grade_a
);

/// The same four steps written by hand over a `Vec` batch, with no framework.
pub fn baseline(rows: Vec<StuScore>) {
    let valid: Vec<StuScore> = rows.into_iter().filter(is_valid).collect();
    if valid.is_empty() {
        return;
    }
    let avgs: Vec<StuAvg> = valid.into_iter().map(average).collect();
    let grades: Vec<StuGrade> = avgs.into_iter().map(grade).collect();
    BASELINE_A_GRADES.fetch_add(count_a(&grades), Ordering::Relaxed);
}

/// The hand-written baseline for JSON input: decode each text, then the same steps.
pub fn baseline_json(rows: &[String]) -> Result<(), serde_json::Error> {
    let decoded = rows
        .iter()
        .map(|text| serde_json::from_str(text))
        .collect::<Result<Vec<StuScore>, _>>()?;
    baseline(decoded);
    Ok(())
}

/// `n` rows with varied values from a fixed-seed generator: about 1% of ids are out of range, and
/// scores spread over 40..=100 so every grade occurs.
#[must_use]
#[allow(clippy::cast_possible_wrap)] // every value is reduced far below i64::MAX first
pub fn rows(n: usize, seed: u64) -> Vec<StuScore> {
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut next = move || {
        // xorshift64*: fast, deterministic, good enough to vary the branches.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    (0..n)
        .map(|_| {
            let r = next();
            let stu_id = if r % 100 == 0 {
                -((r % 1000) as i64) - 1
            } else {
                (r % 900_000_000) as i64
            };
            let mut score = |shift: u32| 40 + ((next() >> shift) % 61) as i64;
            StuScore {
                stu_id,
                score_1: score(3),
                score_2: score(7),
                score_3: score(11),
            }
        })
        .collect()
}

/// `rows` as JSON texts, as a source such as a message queue hands them over.
///
/// # Panics
///
/// Never: these rows always encode.
#[must_use]
pub fn json_rows(rows: &[StuScore]) -> Vec<String> {
    rows.iter()
        .map(|r| serde_json::to_string(r).expect("a row always encodes"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_flow_and_the_baseline_count_the_same_grades() {
        let input = rows(10_000, 7);
        let before = FLOW_A_GRADES.load(Ordering::Relaxed);
        let mut flow = Grades::new();
        flow.commit_batch(input.clone()).unwrap();
        flow.run().await.unwrap();
        baseline(input.clone());
        let flow_count = FLOW_A_GRADES.load(Ordering::Relaxed) - before;
        assert_eq!(flow_count, BASELINE_A_GRADES.load(Ordering::Relaxed));
        assert!(flow_count > 0 && flow_count < 10_000, "{flow_count}");
        assert!(
            input.iter().any(|r| !is_valid(r)),
            "the generator makes invalid ids too"
        );
        baseline_json(&json_rows(&input)).unwrap();
        assert_eq!(2 * flow_count, BASELINE_A_GRADES.load(Ordering::Relaxed));
    }
}
