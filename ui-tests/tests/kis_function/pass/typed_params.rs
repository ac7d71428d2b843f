use kisflow::prelude::*;

// Typed params next to untyped ones; a flow gives its own values, read back as their types.
#[kis_function(mode = "Verify", params(max_qty: u32 = 100, ratio: f64 = 0.5, strict: bool = true, label = "x", level: String = "high"))]
fn limit(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
    let max: u32 = ctx.param_as("max_qty")?;
    let _: f64 = ctx.param_as("ratio")?;
    let _: bool = ctx.param_as("strict")?;
    let _: String = ctx.param_as("level")?;
    Ok(rows.into_iter().filter(|q| *q <= max).collect())
}

flow!(Limited: limit(max_qty = 7));

fn main() {
    let info = <limit as KisFunction>::INFO;
    let types: Vec<String> = info.param_types().iter().map(|p| format!("{p:?}")).collect();
    assert_eq!(types, ["max_qty: u32", "ratio: f64", "strict: bool", "level: alloc::string::String"]);
    let _ = Limited::new();
}
