//! Every mistake a user can make with the macros, with the exact message they get.
//!
//! Bless changed messages with `TRYBUILD=overwrite cargo test -p kisflow-ui-tests`, then read each
//! changed `.stderr` as a newcomer would before committing it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/*/fail/*.rs");
    t.pass("tests/*/pass/*.rs");
}
