//! Runnable examples of kisflow; see `examples/*.rs` and run one with `cargo run --example NAME`.
