//! What the tests that run examples as processes share: finding an example's binary, and checking
//! that it is built from this checkout's sources.
//!
//! `cargo test` builds the examples of a package next to its tests, in `target/<profile>/examples/`,
//! and the tests run them from there. A target selection that leaves them out
//! (`cargo test --test outputs`) would run what an earlier build left there, so [`example`] fails
//! when an example is missing or older than one of its sources; `cargo test -p kisflow-examples`
//! builds them first (or `cargo build -p kisflow-examples --example NAME` before a narrower
//! selection).

use std::path::{Path, PathBuf};

/// The path of example `name`'s binary; panics, saying how to build it, when it is missing or
/// older than one of its sources.
pub(crate) fn example(name: &str) -> PathBuf {
    let binary = example_binary(name);
    if let Err(problem) = built(name, &binary) {
        panic!(
            "example `{name}`: {problem}\n`cargo test -p kisflow-examples` (or `--workspace`) \
             builds the examples with the tests; a narrower selection such as `--test outputs` \
             alone does not (`cargo build -p kisflow-examples --example {name}` first)"
        );
    }
    binary
}

/// Where cargo put the example: `target/<profile>/examples/<name>`, beside the `deps/` directory
/// that holds this test's binary.
fn example_binary(name: &str) -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    let profile_dir = test_binary
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps/");
    profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Checks that the example is built from this checkout's `<name>.rs` and is newer than each
/// source file its dep-info file (`<name>.d`, which cargo writes beside it) lists, as cargo itself
/// would judge it.
fn built(name: &str, binary: &Path) -> Result<(), String> {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified());
    let built_at = modified(binary).map_err(|_| format!("{} is not built", binary.display()))?;
    let dep_info_path = binary.with_extension("d");
    let dep_info = std::fs::read_to_string(&dep_info_path)
        .map_err(|e| format!("{}: {e}", dep_info_path.display()))?;
    // `target: source source ...`, spaces in paths escaped as `\ `.
    let sources: Vec<PathBuf> = dep_info
        .split_once(": ")
        .map_or("", |(_, sources)| sources)
        .replace("\\ ", "\0")
        .split_whitespace()
        .map(|source| PathBuf::from(source.replace('\0', " ")))
        .collect();
    let main = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{name}.rs"));
    if !sources.contains(&main) {
        return Err(format!(
            "{} was not built from {}",
            binary.display(),
            main.display()
        ));
    }
    for source in sources {
        if !modified(&source).is_ok_and(|changed| changed <= built_at) {
            return Err(format!(
                "{} is older than its source {}, or that source is gone",
                binary.display(),
                source.display()
            ));
        }
    }
    Ok(())
}
