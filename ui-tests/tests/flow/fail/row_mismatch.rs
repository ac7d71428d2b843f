use kisflow::prelude::*;

struct StuScore { score: i64 }
struct StuAvg { avg: f64 }

// Async handlers with a context, as in the quick start: still one error for the edge.
#[kis_function(mode = "Calculate")]
async fn avg_score(_ctx: &FlowCtx, rows: Vec<StuScore>) -> Vec<StuAvg> {
    rows.into_iter().map(|r| StuAvg { avg: r.score as f64 }).collect()
}

#[kis_function(mode = "Expand")]
async fn print_scores(rows: Vec<StuScore>) -> kisflow::Result<()> {
    for r in rows { println!("{}", r.score) }
    Ok(())
}

flow!(Report: avg_score -> print_scores);

#[tokio::main]
async fn main() {
    // Using the flow adds no error of its own.
    let _ = Report::new().run().await;
}
