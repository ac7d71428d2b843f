use kisflow::prelude::*;

#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: u32,
}

#[kis_function(mode = "Verify", actions(data_reuse, jump), params(limit = 10, strict = true))]
async fn verify(ctx: &FlowCtx, rows: Vec<Row>) -> kisflow::Result<Vec<Row>> {
    assert_eq!(ctx.param("limit"), Some("10"));
    ctx.data_reuse()?;
    Ok(rows)
}

#[kis_function(mode = "Save", conn = "Rows")]
fn save(rows: Vec<Row>) {
    let _ = rows;
}

flow!(Checked: verify(limit = 20) -> save);

fn main() {
    let info = <verify as KisFunction>::INFO;
    assert!(info.actions().data_reuse() && info.actions().jump());
    assert_eq!(info.params(), &[("limit", "10"), ("strict", "true")]);
    assert_eq!(<save as KisFunction>::INFO.conn(), Some("Rows"));
    let flow = Checked::new();
    let merged: Vec<_> = flow.stages()[0].params().collect();
    assert_eq!(merged, [("limit", "20"), ("strict", "true")]);
}
