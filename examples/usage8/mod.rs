//! What usage example 8's two flows share, whichever store joins them: the rows, the checks, the
//! averages and the printer. `connector_join.rs` joins them through kisflow's in-memory store,
//! `connector_redis.rs` through a real Redis; each brings its own Save and Load functions.

use kisflow::prelude::*;
use kisflow_examples::StuAvg;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct StuScore12 {
    pub(crate) stu_id: i64,
    pub(crate) score_1: i64,
    pub(crate) score_2: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct StuScore3 {
    pub(crate) stu_id: i64,
    pub(crate) score_3: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct StuScore3Avg12 {
    pub(crate) stu_id: i64,
    pub(crate) score_3: i64,
    pub(crate) avg_score_1_2: f64,
}

/// Go's one `VerifyStu` reads only `stu_id` from whatever rows it gets. A Rust function takes one
/// row type, so each flow has its own, sharing this check: abort on an invalid id, else hand the
/// input on.
fn verify(ctx: &FlowCtx, mut ids: impl Iterator<Item = i64>) -> kisflow::Result<()> {
    if ids.any(|id| !(0..1000).contains(&id)) {
        ctx.abort();
        return Ok(());
    }
    ctx.data_reuse()
}

#[kis_function(mode = "Verify", name = "VerifyStu12", actions(data_reuse))]
pub(crate) fn verify_stu12(
    ctx: &FlowCtx,
    rows: Vec<StuScore12>,
) -> kisflow::Result<Vec<StuScore12>> {
    verify(ctx, rows.iter().map(|r| r.stu_id))?;
    Ok(Vec::new())
}

#[kis_function(mode = "Verify", name = "VerifyStu3", actions(data_reuse))]
pub(crate) fn verify_stu3(ctx: &FlowCtx, rows: Vec<StuScore3>) -> kisflow::Result<Vec<StuScore3>> {
    verify(ctx, rows.iter().map(|r| r.stu_id))?;
    Ok(Vec::new())
}

#[allow(clippy::cast_precision_loss)] // scores are small
#[kis_function(mode = "Calculate", name = "AvgStuScore12")]
pub(crate) fn avg_stu_score12(rows: Vec<StuScore12>) -> Vec<StuAvg> {
    let avg = |r: &StuScore12| (r.score_1 + r.score_2) as f64 / 2.0;
    rows.iter()
        .map(|r| StuAvg {
            stu_id: r.stu_id,
            avg_score: avg(r),
        })
        .collect()
}

#[allow(clippy::cast_precision_loss)] // scores are small
#[kis_function(mode = "Calculate", name = "AvgStuScore3")]
pub(crate) fn avg_stu_score3(rows: Vec<StuScore3Avg12>) -> Vec<StuAvg> {
    let avg = |r: &StuScore3Avg12| (r.score_3 as f64 + r.avg_score_1_2 * 2.0) / 3.0;
    rows.iter()
        .map(|r| StuAvg {
            stu_id: r.stu_id,
            avg_score: avg(r),
        })
        .collect()
}

/// Shared by both flows, which both end in averages; the context says which flow called.
#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
pub(crate) fn print_stu_avg_score(ctx: &FlowCtx, rows: Vec<StuAvg>) {
    println!("->Call Func PrintStuAvgScore, in Flow[{}]", ctx.flow_name());
    for r in rows {
        println!("{r}");
    }
}

/// A score 3 row joined with the average that flow 12 saved for its student (the hash's
/// `avg_score`), or the error Go's Load function gives when there is none.
pub(crate) fn joined(r: &StuScore3, avg_score: Option<&String>) -> kisflow::Result<StuScore3Avg12> {
    let Some(avg) = avg_score else {
        let message = format!("avg_score not found for stuId: {}", r.stu_id);
        return Err(kisflow::Error::msg(message));
    };
    Ok(StuScore3Avg12 {
        stu_id: r.stu_id,
        score_3: r.score_3,
        avg_score_1_2: avg.parse().map_err(kisflow::Error::msg)?,
    })
}
