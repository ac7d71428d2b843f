//! Paths, params, doc comments, visibility and one function twice in a flow.

use kisflow::prelude::*;

mod stages {
    use kisflow::prelude::*;

    #[kis_function(mode = "Calculate")]
    pub fn scale(ctx: &FlowCtx, rows: Vec<f64>) -> Vec<f64> {
        let factor: f64 = ctx.param("factor").and_then(|f| f.parse().ok()).unwrap_or(1.0);
        rows.into_iter().map(|x| x * factor).collect()
    }
}

#[kis_function(mode = "Expand")]
fn print(rows: Vec<f64>) {
    println!("{rows:?}");
}

flow!(
    /// Scales twice, then prints.
    pub ScaleTwice: stages::scale(factor = "2", note = "first") -> stages::scale(factor = 1.5, on = true,) -> print
);

fn main() {
    let flow = ScaleTwice::new();
    let params: Vec<Vec<_>> = flow.stages().iter().map(|s| s.params().collect()).collect();
    assert_eq!(params[0], [("factor", "2"), ("note", "first")]);
    assert_eq!(params[1], [("factor", "1.5"), ("on", "true")]);
}
