use std::rc::Rc;

use kisflow::prelude::*;

#[kis_function(mode = "Calculate")]
fn share(rows: Vec<i64>) -> Vec<Rc<i64>> {
    rows.into_iter().map(Rc::new).collect()
}

fn main() {}
