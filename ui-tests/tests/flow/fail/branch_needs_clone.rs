use kisflow::prelude::*;

/// Not `Clone`: each branch needs its own copy.
#[derive(Debug)]
struct Reading(f64);

#[kis_function(mode = "Calculate")]
fn read(rows: Vec<f64>) -> Vec<Reading> {
    rows.into_iter().map(Reading).collect()
}

#[kis_function(mode = "Expand")]
fn print(rows: Vec<Reading>) {
    println!("{rows:?}");
}

#[kis_function(mode = "Save")]
fn save(rows: Vec<Reading>) {
    drop(rows);
}

flow!(Readings: read -> [print, save]);

#[tokio::main]
async fn main() {
    let _ = Readings::new().run().await;
}
