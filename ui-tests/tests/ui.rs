//! Every mistake a user can make with the macros, with the exact message they get.
//!
//! Bless changed messages with `TRYBUILD=overwrite cargo test -p kisflow-ui-tests`, then read each
//! changed `.stderr` as a newcomer would before committing it. The test runs only on the compiler
//! version in `BLESSED_ON`, which a re-bless updates; see README.md.

use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/toolchain.rs"));

blessed_toolchain! {
    #[test]
    fn ui() {
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/*/fail/*.rs");
        t.pass("tests/*/pass/*.rs");
        // trybuild runs the cases when `t` is dropped; a re-bless that got this far records the
        // compiler the files are now blessed on.
        drop(t);
        if std::env::var("TRYBUILD").is_ok_and(|value| value == "overwrite") {
            let blessed_on = Path::new(env!("CARGO_MANIFEST_DIR")).join("BLESSED_ON");
            std::fs::write(blessed_on, format!("{RUSTC_VERSION}\n"))
                .expect("BLESSED_ON is writable");
        }
    }
}
