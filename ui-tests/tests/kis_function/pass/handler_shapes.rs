//! Every handler shape the attribute accepts, each still callable as a plain function.

use kisflow::prelude::*;

#[derive(Debug, PartialEq)]
struct Error(&'static str);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Error {}

#[kis_function(mode = "Verify")]
fn plain(rows: Vec<i64>) -> Vec<i64> {
    rows
}

#[kis_function(mode = "Save", name = "WithCtx")]
async fn with_ctx(ctx: &FlowCtx, rows: Vec<i64>) -> kisflow::Result<Vec<i64>> {
    let _ = ctx.flow_name();
    Ok(rows)
}

#[kis_function(mode = "Load")]
pub(crate) fn own_error(rows: Vec<i64>) -> Result<Vec<String>, Error> {
    if rows.is_empty() { Err(Error("empty")) } else { Ok(rows.iter().map(i64::to_string).collect()) }
}

#[kis_function(mode = "Expand")]
fn sink(_rows: Vec<String>) {}

#[kis_function(mode = "Expand")]
async fn fallible_sink(_ctx: &FlowCtx, _rows: Vec<String>) -> kisflow::Result<()> {
    Ok(())
}

mod stages {
    use kisflow::prelude::*;

    #[kis_function(mode = "Calculate")]
    pub fn negate(rows: Vec<i64>) -> Vec<i64> {
        rows.into_iter().map(|n| -n).collect()
    }
}

flow!(AllShapes: plain -> with_ctx -> stages::negate -> own_error -> sink);

fn main() {
    assert_eq!(plain(vec![1]), vec![1]);
    assert_eq!(own_error(vec![]), Err(Error("empty")));
    sink(vec![]);
    let _flow: kisflow::Flow<AllShapes> = AllShapes::new();
    let _ = fallible_sink;
}
