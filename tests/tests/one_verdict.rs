//! One decoder, one verdict: a JSON row is judged the same way whether it enters a typed flow or
//! the same flow from the registry (`DynFlow`), and text is decoded straight into the row type.

use kisflow::prelude::*;

#[derive(Debug, serde::Deserialize)]
struct Pair {
    #[allow(dead_code, reason = "only decoded")]
    a: u32,
}

#[kis_function(mode = "Expand")]
fn take_pairs(_rows: Vec<Pair>) {}
flow!(Pairs: take_pairs);

#[test]
fn a_row_gets_the_same_verdict_typed_and_from_the_registry() {
    for row in [
        r#"{"a":1,"a":2}"#,
        r#"{"a":"two"}"#,
        r#"{"a":1,"b":"\ud800"}"#,
        "{",
    ] {
        let typed = Pairs::new().commit_json(row).map_err(|e| e.to_string());
        let mut by_name = kisflow::registry().unwrap().flow("Pairs").unwrap();
        let dynamic = by_name.commit_json(row).map_err(|e| e.to_string());
        assert_eq!(typed, dynamic, "row {row}");
    }
    let err = Pairs::new()
        .commit_json(r#"{"a":1,"a":2}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("duplicate field `a`"), "{err}");
}
