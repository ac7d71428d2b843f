//! A crate that reaches kisflow through a re-export, under another name, says where with
//! `crate = path` in both macros; nothing here names `kisflow` but the re-export.

mod runtime {
    pub use kisflow as engine;
}

use runtime::engine::{FlowCtx, flow, kis_function};

#[kis_function(mode = "Calculate", crate = runtime::engine, params(factor = 2))]
fn double(ctx: &FlowCtx, rows: Vec<i64>) -> Vec<i64> {
    let factor: i64 = ctx.param("factor").and_then(|f| f.parse().ok()).unwrap_or(1);
    rows.into_iter().map(|n| n * factor).collect()
}

mod stages {
    use crate::runtime::engine::kis_function;

    #[kis_function(mode = "Expand", name = "PrintAll", crate = crate::runtime::engine)]
    pub fn print(rows: Vec<i64>) {
        println!("{rows:?}");
    }
}

flow!(
    crate = runtime::engine;
    /// Doubles, then prints.
    pub(crate) Doubled: double -> stages::print
);

fn main() {
    let flow = Doubled::new();
    assert_eq!(flow.name(), "Doubled");
    let registry = runtime::engine::registry().unwrap();
    assert_eq!(registry.flow("Doubled").unwrap().name(), "Doubled");
    assert!(registry.function("PrintAll").is_ok());
}
