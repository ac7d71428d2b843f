// A flow declared in a module (a library's `lib.rs`, say) without `pub` is private to it, as a
// `struct` is: write `flow!(pub Orders: ...)` to use it from elsewhere.
mod flows {
    use kisflow::prelude::*;

    #[kis_function(mode = "Expand")]
    pub fn print(rows: Vec<u32>) {
        println!("{rows:?}");
    }

    flow!(Orders: print);
}

fn main() {
    let _ = flows::Orders::new();
}
