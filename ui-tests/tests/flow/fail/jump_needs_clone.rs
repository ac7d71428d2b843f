use kisflow::prelude::*;

// Not Clone: a flow holding a function that may jump keeps each function's input for the run.
struct Ticket(u32);

#[kis_function(mode = "Calculate")]
fn number(rows: Vec<Ticket>) -> Vec<u32> {
    rows.into_iter().map(|t| t.0).collect()
}

#[kis_function(mode = "Calculate", actions(jump))]
async fn retry(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
    if rows.is_empty() {
        ctx.jump_func("number")?;
    }
    Ok(rows)
}

flow!(Retrying: number -> retry);

fn main() {}
