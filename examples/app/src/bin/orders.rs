//! The kisflow command line with this crate's functions and flows:
//!
//! ```sh
//! cargo run --bin orders -- list
//! cargo run --bin orders -- validate conf
//! echo '{"customer": 7, "qty": 3}' | cargo run --bin orders -- run CustomerTotals
//! ```

// The functions live in the library; naming it keeps the linker from leaving them out of this
// binary, which would then register none of them.
use my_flows as _;

fn main() -> std::process::ExitCode {
    kisflow::cli::main()
}
