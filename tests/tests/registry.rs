//! The registry lists every function and flow and makes flows by name.

use std::sync::Mutex;

use kisflow::prelude::*;
use kisflow::{Error, NoRows, RowType};

static OUT: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[kis_function(mode = "Load", name = "LoadNames")]
fn load_names(rows: Vec<String>) -> Vec<String> {
    rows
}

#[kis_function(mode = "Expand", name = "StoreNames")]
fn store_names(rows: Vec<String>) -> kisflow::Result<()> {
    if rows.iter().any(String::is_empty) {
        return Err(kisflow::Error::msg("empty name"));
    }
    OUT.lock().unwrap().extend(rows);
    Ok(())
}

flow!(Names: load_names -> store_names);

#[test]
fn functions_are_listed_with_name_mode_and_row_types() {
    let registry = kisflow::registry().unwrap();
    let listed: Vec<_> = registry
        .functions()
        .map(|f| {
            (
                f.name(),
                f.mode(),
                f.input().name(),
                f.output().map(|o| o.name()),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (
                "LoadNames",
                Mode::Load,
                "alloc::string::String",
                Some("alloc::string::String")
            ),
            ("StoreNames", Mode::Expand, "alloc::string::String", None),
        ]
    );
    let load = registry.function("LoadNames").unwrap();
    assert_eq!(load.path(), "registry::load_names");
    // Where the attribute is, as `file!()`, `line!()` and `column!()` would say there.
    assert_eq!(load.location().to_string(), "tests/tests/registry.rs:10:1");
    assert_eq!(load.input(), RowType::of::<String>());
    assert_ne!(load.input(), RowType::of::<NoRows>());
}

#[test]
fn flows_are_listed_with_their_functions() {
    let registry = kisflow::registry().unwrap();
    let flows: Vec<_> = registry
        .flows()
        .map(|f| {
            (
                f.name(),
                f.stages()
                    .iter()
                    .map(|s| s.function().name())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(flows, vec![("Names", vec!["LoadNames", "StoreNames"])]);
    let names = registry.flows().next().unwrap();
    assert_eq!(names.location().to_string(), "tests/tests/registry.rs:24:1");
}

#[tokio::test]
async fn a_flow_is_made_by_name_as_a_fresh_instance() {
    let registry = kisflow::registry().unwrap();
    let mut first = registry.flow("Names").unwrap();
    let second = registry.flow("Names").unwrap();
    assert_ne!(first.id(), second.id());

    first.commit_json(r#""ada""#).unwrap();
    first.commit_json(serde_json::json!("grace")).unwrap();
    let err = first.commit_json("42").unwrap_err();
    assert!(
        err.to_string()
            .contains("invalid type: integer `42`, expected a string"),
        "{err}"
    );
    assert_eq!((first.committed(), second.committed()), (2, 0));
    first.run().await.unwrap();
    assert_eq!(*OUT.lock().unwrap(), vec!["ada", "grace"]);
}

#[test]
fn unknown_names_are_errors_that_list_the_known_ones() {
    let registry = kisflow::registry().unwrap();
    let err = registry.flow("Nmes").unwrap_err();
    assert!(matches!(err, Error::Unknown { kind: "flow", .. }));
    assert_eq!(
        err.to_string(),
        "no flow named \"Nmes\" is registered; registered flows: Names"
    );
    let err = registry.function("Load").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no function named \"Load\" is registered; registered functions: LoadNames, StoreNames"
    );
}
