//! Pins the ui tests to the compiler their `.stderr` files were blessed on, whose version
//! `BLESSED_ON` holds: compiler output changes between releases, so on another compiler the
//! tests would fail for reasons that are not ours. Writes `$OUT_DIR/toolchain.rs`, which
//! `tests/ui.rs` includes: the running compiler's version, and `blessed_toolchain!`, which marks
//! the test `#[ignore]`d, with a message saying why and what to do, when the versions differ and
//! the run is not a re-bless (`TRYBUILD=overwrite`).

use std::path::Path;
use std::process::Command;
use std::{env, fs};

fn main() {
    println!("cargo::rerun-if-changed=BLESSED_ON");
    println!("cargo::rerun-if-env-changed=TRYBUILD");
    let running = rustc_version();
    let blessed = fs::read_to_string("BLESSED_ON")
        .map(|text| text.trim().to_owned())
        .unwrap_or_default();
    let overwrite = env::var("TRYBUILD").is_ok_and(|value| value == "overwrite");
    let gate = if running == blessed || overwrite {
        String::new()
    } else {
        let blessed = if blessed.is_empty() {
            "no recorded rustc (ui-tests/BLESSED_ON is missing or empty)".to_owned()
        } else {
            format!("rustc {blessed}")
        };
        let reason = format!(
            "skipped: the .stderr files were blessed on {blessed}, and this is rustc {running}; \
             re-bless with `TRYBUILD=overwrite cargo test -p kisflow-ui-tests` (ui-tests/README.md)"
        );
        format!("#[ignore = {reason:?}]")
    };
    let code = format!(
        "/// The version of the compiler running the tests, as `rustc --version` prints it.\n\
         const RUSTC_VERSION: &str = {running:?};\n\
         \n\
         /// The test, ignored when the compiler is not the one the `.stderr` files were blessed on.\n\
         macro_rules! blessed_toolchain {{\n    ($item:item) => {{\n        {gate}\n        $item\n    }};\n}}\n"
    );
    let out = env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    fs::write(Path::new(&out).join("toolchain.rs"), code).expect("OUT_DIR is writable");
}

/// `1.95.0` from `rustc 1.95.0 (59807616e 2026-04-14)`, of the compiler Cargo builds with.
fn rustc_version() -> String {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .arg("--version")
        .output()
        .expect("cargo's RUSTC runs");
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}
