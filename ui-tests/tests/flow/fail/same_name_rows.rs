use kisflow::prelude::*;

mod school {
    pub struct Row { pub score: i64 }
}

mod report {
    pub struct Row { pub line: String }
}

#[kis_function(mode = "Load")]
fn load(rows: Vec<school::Row>) -> Vec<school::Row> {
    rows
}

#[kis_function(mode = "Expand")]
fn print(rows: Vec<report::Row>) {
    for r in rows { println!("{}", r.line) }
}

flow!(Mixed: load -> print);

#[tokio::main]
async fn main() {
    // Using the flow adds no error of its own.
    let _ = Mixed::new().run().await;
}
