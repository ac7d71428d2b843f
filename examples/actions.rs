//! kis-flow-usage example 7: actions, a handler telling the flow what to do after it returns:
//! abort, hand its input on (data reuse), run the next function even without rows (force entry
//! next), and jump back to an earlier function.
//!
//! Run it with `cargo run -p kisflow-examples --example actions`. Each function prints
//! `->Call Func NAME` when called, as in Go, so the output shows which functions ran.

use kisflow::prelude::*;
use kisflow_examples::{StuAvg, StuScore};

/// Checks without emitting: one invalid row stops the whole batch, else the input goes on as it
/// is. Handing the input on must be declared (`actions(data_reuse)`), which makes the compiler
/// check that the function emits the row type it takes.
#[kis_function(mode = "Verify", name = "VerifyStu", actions(data_reuse))]
fn verify_stu(ctx: &FlowCtx, rows: Vec<StuScore>) -> kisflow::Result<Vec<StuScore>> {
    println!("->Call Func VerifyStu");
    if rows.iter().all(StuScore::has_valid_id) {
        ctx.data_reuse()?;
    } else {
        ctx.abort(); // the run ends after this function, successfully
    }
    Ok(Vec::new())
}

#[kis_function(mode = "Calculate", name = "AvgStuScore")]
fn avg_stu_score(rows: Vec<StuScore>) -> Vec<StuAvg> {
    println!("->Call Func AvgStuScore");
    rows.into_iter().map(StuAvg::from).collect()
}

#[kis_function(mode = "Expand", name = "PrintStuAvgScore")]
fn print_stu_avg_score(rows: Vec<StuAvg>) {
    println!("->Call Func PrintStuAvgScore");
    for r in rows {
        println!("{r}");
    }
}

/// Keeps the best students, and wants `Announce` to run even when there are none. Go's
/// ForceEntryNext also throws away the rows emitted; here the next function gets exactly them.
#[kis_function(mode = "Verify", name = "HonourRoll")]
fn honour_roll(ctx: &FlowCtx, rows: Vec<StuAvg>) -> Vec<StuAvg> {
    println!("->Call Func HonourRoll");
    ctx.force_entry_next();
    rows.into_iter().filter(|r| r.avg_score >= 95.0).collect()
}

#[kis_function(mode = "Expand", name = "Announce")]
fn announce(rows: Vec<StuAvg>) {
    println!("->Call Func Announce");
    let ids: Vec<String> = rows.iter().map(|r| r.stu_id.to_string()).collect();
    if ids.is_empty() {
        println!("honour roll: nobody this time");
    } else {
        println!("honour roll: [{}]", ids.join(", "));
    }
}

/// Adds the bonus that `CheckPass` sets in the flow's metadata, shared by its functions.
#[kis_function(mode = "Calculate", name = "Curve")]
fn curve(ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<Vec<StuAvg>> {
    let bonus = ctx.flow_metadata().get::<f64>("bonus")?.unwrap_or(0.0);
    println!("->Call Func Curve, bonus {bonus}");
    Ok(rows
        .into_iter()
        .map(|r| StuAvg {
            avg_score: r.avg_score + bonus,
            ..r
        })
        .collect())
}

/// While someone is below 60, raises the bonus and jumps back to `Curve`, which re-reads its own
/// input of this run. The loop ends in the handler, at a bonus of 10 at most; the flow's step
/// limit only stops a loop that never ends.
#[kis_function(mode = "Verify", name = "CheckPass", actions(jump))]
fn check_pass(ctx: &FlowCtx, rows: Vec<StuAvg>) -> kisflow::Result<Vec<StuAvg>> {
    println!("->Call Func CheckPass");
    let meta = ctx.flow_metadata();
    let bonus = meta.get::<f64>("bonus")?.unwrap_or(0.0);
    if bonus < 10.0 && rows.iter().any(|r| r.avg_score < 60.0) {
        meta.set("bonus", bonus + 5.0);
        ctx.jump_func("Curve")?;
        return Ok(Vec::new());
    }
    Ok(rows)
}

flow!(CalStuAvgScore: verify_stu -> avg_stu_score -> print_stu_avg_score);
flow!(Honours: avg_stu_score -> honour_roll -> announce);
flow!(CurvedScores: avg_stu_score -> curve -> check_pass -> print_stu_avg_score);

#[tokio::main]
async fn main() -> kisflow::Result<()> {
    println!("== data reuse: every row is valid, VerifyStu hands its input on");
    let mut flow = CalStuAvgScore::new();
    flow.commit_json(r#"{"stu_id":101, "score_1":100, "score_2":90, "score_3":80}"#)?;
    flow.commit_json(r#"{"stu_id":102, "score_1":100, "score_2":90, "score_3":70}"#)?;
    flow.run().await?;

    println!("== abort: 1001 is invalid, so nothing after VerifyStu runs");
    flow.commit_batch([
        StuScore::new(101, 100, 90, 80),
        StuScore::new(1001, 100, 90, 70),
    ])?;
    flow.run().await?;

    println!("== force entry next: Announce runs with no rows, then with the rows emitted");
    let mut honours = Honours::new();
    honours.commit(StuScore::new(102, 100, 90, 70))?;
    honours.run().await?;
    honours.commit_batch([
        StuScore::new(102, 100, 90, 70),
        StuScore::new(104, 100, 95, 95),
    ])?;
    honours.run().await?;

    println!("== jump: CheckPass sends the run back to Curve until everyone passes");
    let mut curved = CurvedScores::new().with_step_limit(20);
    curved.commit_batch([
        StuScore::new(101, 100, 90, 80),
        StuScore::new(103, 60, 50, 55),
    ])?;
    curved.run().await?;
    Ok(())
}
