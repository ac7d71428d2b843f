//! The catalogue, part 2: values of the wrong type, required keys, `fmode` and `status`.

use super::problems;

const FUNC: &str = "kistype: func\nfname: a\nfmode: Save\n";
const FLOW: &str = "kistype: flow\nflow_name: F\nstatus: 1\n";

#[test]
fn text_keys_reject_lists_and_mappings() {
    assert_eq!(
        problems("kistype: func\nfname: [a]\nfmode: Save\n"),
        ["f.yml:2:8: `fname` must be a single text value, not a list or mapping"]
    );
    assert_eq!(
        problems("kistype: func\nfname:\n  x: 1\nfmode: Save\n"),
        ["f.yml:3:3: `fname` must be a single text value, not a list or mapping"]
    );
}

#[test]
fn numbers_must_fit() {
    let yaml = format!("{FUNC}option:\n  retry_times: -1\n");
    assert_eq!(
        problems(&yaml),
        ["f.yml:5:16: `retry_times` must be a whole number from 0 to 4294967295"]
    );
    let yaml = format!("{FUNC}option:\n  return_duration: soon\n");
    assert_eq!(
        problems(&yaml),
        ["f.yml:5:20: `return_duration` must be a whole number of milliseconds, 0 or more"]
    );
}

#[test]
fn flags_are_true_or_false() {
    assert_eq!(
        problems("kistype: global\nprometheus_enable: 3\n"),
        ["f.yml:2:20: `prometheus_enable` must be true or false"]
    );
}

#[test]
fn lists_of_text() {
    assert_eq!(
        problems(&format!("{FUNC}source:\n  must: order_id\n")),
        ["f.yml:5:9: `must` must be a list of text values, such as `must: [a, b]`"]
    );
    assert_eq!(
        problems("kistype: conn\ncname: C\nsave: [[a]]\n"),
        ["f.yml:3:7: `save` must be a list of text values, such as `save: [a, b]`"]
    );
}

#[test]
fn params_values_are_scalars() {
    assert_eq!(
        problems(&format!("{FUNC}option:\n  default_params:\n    a: [1]\n")),
        [
            "f.yml:6:8: value of `a` in `default_params` must be text, a number or true/false, not \
          a list or mapping"
        ]
    );
    assert_eq!(
        problems(&format!("{FUNC}option:\n  default_params: 3\n")),
        ["f.yml:5:19: `default_params` must be a mapping of names to text values"]
    );
}

#[test]
fn sections_are_mappings() {
    assert_eq!(
        problems(&format!("{FUNC}option: 3\n")),
        [
            "f.yml:4:9: `option` must be a mapping with the keys cname, retry_times, \
          retry_duration, default_params"
        ]
    );
    assert_eq!(
        problems(&format!("{FUNC}source: [a]\n")),
        ["f.yml:4:9: `source` must be a mapping with the keys name, must"]
    );
}

#[test]
fn flows_is_a_list_of_mappings() {
    assert_eq!(
        problems(&format!("{FLOW}flows: funcName1\n")),
        ["f.yml:4:8: `flows` must be a list of functions, each `- fname: <name>`"]
    );
    let entry = "each entry of `flows` must be a mapping, such as `- fname: funcName1`";
    assert_eq!(
        problems(&format!("{FLOW}flows:\n  - funcName1\n")),
        [format!("f.yml:5:5: {entry}")]
    );
    assert_eq!(
        problems(&format!("{FLOW}flows:\n  -\n")),
        [format!("f.yml:5:4: {entry}")]
    );
}

#[test]
fn required_names() {
    assert_eq!(
        problems("kistype: func\nfmode: Save\n"),
        ["f.yml:1:1: missing `fname`: name the function with `fname: <name>`"]
    );
    assert_eq!(
        problems("kistype: conn\naddrs: x\n"),
        ["f.yml:1:1: missing `cname`: name the connector with `cname: <name>`"]
    );
    assert_eq!(
        problems("kistype: flow\nstatus: 1\n"),
        ["f.yml:1:1: missing `flow_name`: name the flow with `flow_name: <name>`"]
    );
    assert_eq!(
        problems(&format!(
            "{FLOW}flows:\n  - fname: a\n  - params: {{k: v}}\n"
        )),
        ["f.yml:6:5: missing `fname`: name the function to run with `fname: <name>`"]
    );
}

#[test]
fn empty_names_count_as_missing() {
    assert_eq!(
        problems("kistype: func\nfname: ''\nfmode: Save\n"),
        ["f.yml:2:8: `fname` is empty: name the function with `fname: <name>`"]
    );
    assert_eq!(
        problems("kistype: func\nfname:\nfmode: Save\n"),
        ["f.yml:2:6: `fname` is empty: name the function with `fname: <name>`"]
    );
}

#[test]
fn fmode_is_required() {
    assert_eq!(
        problems("kistype: func\nfname: a\n"),
        [
            "f.yml:1:1: missing `fmode`: add `fmode:` with one of Verify, Save, Load, Calculate, \
          Expand"
        ]
    );
    assert_eq!(
        problems("kistype: func\nfname: a\nfmode: ''\n"),
        ["f.yml:3:8: `fmode` is empty: write one of Verify, Save, Load, Calculate, Expand"]
    );
}

#[test]
fn fmode_is_case_sensitive_with_a_hint() {
    assert_eq!(
        problems("kistype: func\nfname: a\nfmode: calculate\n"),
        [
            "f.yml:3:8: unknown fmode `calculate`; did you mean `Calculate`? modes are \
          case-sensitive; expected one of Verify, Save, Load, Calculate, Expand"
        ]
    );
}

#[test]
fn an_unknown_fmode_is_named() {
    assert_eq!(
        problems("kistype: func\nfname: a\nfmode: Calc\n"),
        ["f.yml:3:8: unknown fmode `Calc`; expected one of Verify, Save, Load, Calculate, Expand"]
    );
    assert_eq!(
        problems("kistype: func\nfname: a\nfmode: Expnad\n"),
        [
            "f.yml:3:8: unknown fmode `Expnad`; did you mean `Expand`? expected one of Verify, \
          Save, Load, Calculate, Expand"
        ]
    );
}

#[test]
fn status_is_required() {
    let message = "flow `F` has no `status`: write `status: 1` to run it or `status: 0` to \
                   switch it off";
    assert_eq!(
        problems("kistype: flow\nflow_name: F\n"),
        [format!("f.yml:1:1: {message}")]
    );
    assert_eq!(
        problems("kistype: flow\nflow_name: F\nstatus:\n"),
        [format!("f.yml:3:7: {message}")]
    );
    assert_eq!(
        problems("kistype: flow\n"),
        [
            "f.yml:1:1: missing `flow_name`: name the flow with `flow_name: <name>`",
            "f.yml:1:1: this flow has no `status`: write `status: 1` to run it or `status: 0` \
             to switch it off",
        ]
    );
}

#[test]
fn status_is_zero_or_one() {
    let message = "`status` must be 1 (run the flow) or 0 (switch it off)";
    assert_eq!(
        problems("kistype: flow\nflow_name: F\nstatus: 2\n"),
        [format!("f.yml:3:9: {message}")]
    );
    assert_eq!(
        problems("kistype: flow\nflow_name: F\nstatus: on\n"),
        [format!("f.yml:3:9: {message}")]
    );
}

/// Every bad value of one document at once, each at its place, and the checks that need no bad
/// value (an unknown `fmode`) too; a value of the wrong type is never also called missing.
#[test]
fn every_bad_value_of_a_document_is_reported_at_once() {
    let yaml = "kistype: flow\nstatus: yes\nflow_name: [1, 2]\nflows:\n  - fname: VerifyStu\n    params: 12\n  - fname: [x]\n";
    assert_eq!(
        problems(yaml),
        [
            "f.yml:2:9: `status` must be 1 (run the flow) or 0 (switch it off)",
            "f.yml:3:12: `flow_name` must be a single text value, not a list or mapping",
            "f.yml:6:13: `params` must be a mapping of names to text values",
            "f.yml:7:12: `fname` must be a single text value, not a list or mapping",
        ]
    );
    let yaml =
        "kistype: func\nfname: a\nfmode: Sav\noption:\n  retry_times: -1\n  retry_duration: soon\n";
    assert_eq!(
        problems(yaml),
        [
            "f.yml:3:8: unknown fmode `Sav`; did you mean `Save`? expected one of Verify, Save, Load, Calculate, Expand",
            "f.yml:5:16: `retry_times` must be a whole number from 0 to 4294967295",
            "f.yml:6:19: `retry_duration` must be a whole number of milliseconds, 0 or more",
        ]
    );
}
