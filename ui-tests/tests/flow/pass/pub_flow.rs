// `flow!(pub Name: ...)` makes the flow's type public, for a library's flows used by its binary.
mod flows {
    use kisflow::prelude::*;

    #[kis_function(mode = "Expand")]
    pub fn print(rows: Vec<u32>) {
        println!("{rows:?}");
    }

    flow!(pub Orders: print);
}

fn main() {
    let mut flow = flows::Orders::new();
    flow.commit(1).unwrap();
}
