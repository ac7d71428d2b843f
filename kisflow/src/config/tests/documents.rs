//! The catalogue, part 1: problems of a whole document, its `kistype` and its keys.

use std::fmt::Write as _;

use super::problems;

const KISTYPE_MISSING: &str =
    "missing `kistype`: start the file with `kistype: func`, `flow`, `conn` or `global`";

#[test]
fn an_empty_document_has_no_kistype() {
    assert_eq!(problems(""), [format!("f.yml:1:1: {KISTYPE_MISSING}")]);
    assert_eq!(
        problems("# only a comment\n"),
        [format!("f.yml:2:1: {KISTYPE_MISSING}")]
    );
}

#[test]
fn a_document_without_kistype_is_reported_at_its_start() {
    assert_eq!(
        problems("\nfname: a\nfmode: Save\n"),
        [format!("f.yml:2:1: {KISTYPE_MISSING}")]
    );
}

#[test]
fn an_empty_kistype_is_reported_at_its_value() {
    assert_eq!(
        problems("kistype:\n"),
        [format!("f.yml:1:8: {KISTYPE_MISSING}")]
    );
}

#[test]
fn an_unknown_kistype_gets_a_suggestion_when_close() {
    assert_eq!(
        problems("kistype: fucn\n"),
        [
            "f.yml:1:10: unknown kistype `fucn`; did you mean `func`? expected one of func, flow, \
          conn, global, schedule"
        ]
    );
    assert_eq!(
        problems("kistype: Global\n"),
        [
            "f.yml:1:10: unknown kistype `Global`; did you mean `global`? expected one of func, \
          flow, conn, global, schedule"
        ]
    );
}

#[test]
fn an_unknown_kistype_far_from_all_is_listed_without_suggestion() {
    assert_eq!(
        problems("kistype: pipeline\n"),
        [
            "f.yml:1:10: unknown kistype `pipeline`; expected one of func, flow, conn, global, schedule"
        ]
    );
}

#[test]
fn kistype_must_be_text() {
    assert_eq!(
        problems("kistype: [func]\n"),
        ["f.yml:1:10: `kistype` must be a single text value, not a list or mapping"]
    );
}

#[test]
fn a_document_that_is_not_a_mapping() {
    let message = "a config file must be a mapping of `key: value` lines, starting with \
                   `kistype: func`, `flow`, `conn` or `global`";
    assert_eq!(
        problems("- kistype: func\n"),
        [format!("f.yml:1:1: {message}")]
    );
    assert_eq!(problems("hello\n"), [format!("f.yml:1:1: {message}")]);
}

#[test]
fn yaml_syntax_errors_keep_their_position() {
    assert_eq!(
        problems("kistype: func\nfname: [a\n"),
        ["f.yml:2:8: invalid YAML: unclosed bracket '['"]
    );
    assert_eq!(
        problems("kistype: func\nfname: a\n  fmode: : Save\n"),
        ["f.yml:3:8: invalid YAML: mapping values are not allowed in this context"]
    );
}

#[test]
fn a_nul_character_is_a_syntax_error() {
    assert_eq!(
        problems("\0"),
        ["f.yml:1:1: invalid YAML: unexpected character: `\\u{0}'"]
    );
}

#[test]
fn one_document_per_file() {
    assert_eq!(
        problems("kistype: func\nfname: a\nfmode: Save\n---\nkistype: func\n"),
        [
            "f.yml:5:1: a config file holds one YAML document; move the one that starts here into \
          a file of its own"
        ]
    );
}

#[test]
fn an_alias_needs_its_anchor() {
    assert_eq!(
        problems("kistype: func\nfname: *name\nfmode: Save\n"),
        ["f.yml:2:8: this alias names an anchor that is not defined before it"]
    );
}

#[test]
fn keys_must_be_text() {
    let message = "a key must be text, not empty, a list or a mapping";
    assert_eq!(
        problems("kistype: func\n? [a]\n: b\n"),
        [format!("f.yml:2:3: {message}")]
    );
    assert_eq!(
        problems("kistype: func\nfname: a\nfmode: Save\noption:\n  ~: b\n"),
        [format!("f.yml:5:3: {message}")]
    );
}

#[test]
fn an_unknown_key_gets_a_suggestion_when_close() {
    assert_eq!(
        problems("kistype: func\nfname: a\nfmode: Save\noption:\n  cnam: ConnName1\n"),
        [
            "f.yml:5:3: unknown key `cnam`; did you mean `cname`? expected one of cname, \
          retry_times, retry_duration, default_params"
        ]
    );
}

#[test]
fn every_unknown_key_is_reported_and_the_rest_still_checked() {
    assert_eq!(
        problems("kistype: func\nfname: a\nfmode: save\nsorce: {}\nzzz: 1\n"),
        [
            "f.yml:3:8: unknown fmode `save`; did you mean `Save`? modes are case-sensitive; \
             expected one of Verify, Save, Load, Calculate, Expand",
            "f.yml:4:1: unknown key `sorce`; did you mean `source`? expected one of kistype, \
             fname, fmode, source, option",
            "f.yml:5:1: unknown key `zzz`; expected one of kistype, fname, fmode, source, option",
        ]
    );
}

#[test]
fn unknown_keys_of_every_kind() {
    assert_eq!(
        problems("kistype: flow\nflow_name: F\nstatus: 1\nflows:\n  - fname: a\n    parms: {}\n"),
        ["f.yml:6:5: unknown key `parms`; did you mean `params`? expected one of fname, params"]
    );
    assert_eq!(
        problems("kistype: conn\ncname: C\ntyp: redis\n"),
        [
            "f.yml:3:1: unknown key `typ`; did you mean `type`? expected one of kistype, cname, \
          addrs, type, key, params, load, save"
        ]
    );
    assert_eq!(
        problems("kistype: global\nprometheus_enabled: true\n"),
        [
            "f.yml:2:1: unknown key `prometheus_enabled`; did you mean `prometheus_enable`? \
          expected one of kistype, prometheus_enable, prometheus_listen, prometheus_serve"
        ]
    );
}

#[test]
fn params_take_any_names() {
    let yaml = "kistype: conn\ncname: C\nparams:\n  whatever: 1\n  cnam: 2\n";
    assert_eq!(problems(yaml), Vec::<String>::new());
}

#[test]
fn a_duplicate_key_is_reported_at_the_second() {
    assert_eq!(
        problems("kistype: func\nfname: a\nfname: b\nfmode: Save\n"),
        ["f.yml:3:1: key `fname` appears twice in one mapping; keep one of them"]
    );
    assert_eq!(
        problems(
            "kistype: func\nfname: a\nfmode: Save\noption:\n  default_params:\n    k: 1\n    k: 2\n"
        ),
        ["f.yml:7:5: key `k` appears twice in one mapping; keep one of them"]
    );
}

#[test]
fn go_spelling_and_ours_of_one_key_conflict() {
    assert_eq!(
        problems(
            "kistype: func\nfname: a\nfmode: Save\noption:\n  retry_duration: 1\n  \
             return_duration: 2\n"
        ),
        [
            "f.yml:6:3: `return_duration` is Go's spelling of `retry_duration`, which is set too; \
          keep one of them"
        ]
    );
}

#[test]
fn deep_nesting_is_a_problem_not_a_crash() {
    let flow_style = format!("kistype: func\nfname: {}\n", "[".repeat(100_000));
    assert_eq!(
        problems(&flow_style),
        ["f.yml:2:263: invalid YAML: recursion limit exceeded"]
    );
    let mut block_style = "kistype: conn\ncname: C\nparams:\n".to_owned();
    for depth in 0..200 {
        let indent = " ".repeat(depth + 2);
        writeln!(block_style, "{indent}k{depth}:").expect("writing to a String");
    }
    assert_eq!(
        problems(&block_style),
        ["f.yml:67:66: values nest more than 64 levels deep here; a config needs 4 at most"]
    );
}

#[cfg(not(feature = "schedule"))]
#[test]
fn a_schedule_without_the_feature_says_which_feature() {
    assert_eq!(
        problems("kistype: schedule\nname: tick\n"),
        [
            "f.yml:1:10: `kistype: schedule` needs kisflow's `schedule` feature; enable it in \
             Cargo.toml"
        ]
    );
}
