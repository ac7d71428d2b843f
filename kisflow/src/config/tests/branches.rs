//! `branches` in a flow document: what loads, the places of branch entries, and each mistake's
//! message at its place.

use super::{loads, problems};
use crate::config::PlaceKey;

const HEAD: &str = "kistype: flow\nflow_name: F\nstatus: 1\n";

#[test]
fn a_trunk_and_two_branches_load_with_every_entry_placed() {
    let yaml = format!(
        "{HEAD}flows:\n  - fname: a\n  - fname: b\nbranches:\n  - flows:\n      - fname: c\n      \
         - fname: d\n        params: {{k: v}}\n  - flows:\n      - fname: e\n"
    );
    let config = loads(&yaml);
    let flow = config.flow("F").unwrap();
    assert_eq!(flow.outline(), "a -> b -> [c -> d, e]");
    assert_eq!(flow.branch_starts(), [2, 4]);
    assert_eq!(flow.branches[0][1].params["k"], "v");
    let place = |index| {
        let key = PlaceKey::FlowFunction {
            flow: "F".to_owned(),
            index,
        };
        config.place(&key).map(ToString::to_string)
    };
    // Entries are numbered on from the trunk, in the order of the flow's stages.
    assert_eq!(place(0).as_deref(), Some("f.yml:5:12"));
    assert_eq!(place(2).as_deref(), Some("f.yml:9:16"));
    assert_eq!(place(4).as_deref(), Some("f.yml:13:16"));
    assert_eq!(place(5), None);
}

#[test]
fn one_branch_is_not_a_fan_out() {
    let yaml = format!("{HEAD}flows:\n  - fname: a\nbranches:\n  - flows:\n      - fname: c\n");
    assert_eq!(
        problems(&yaml),
        [
            "f.yml:7:5: `branches` lists one branch; a flow branches into two or more, each run \
             on its own copy of the rows: add a branch, or put this one's functions at the end \
             of `flows`"
        ]
    );
}

#[test]
fn branches_need_a_trunk_before_them() {
    let yaml = format!(
        "{HEAD}flows: []\nbranches:\n  - flows: [{{fname: c}}]\n  - flows: [{{fname: d}}]\n"
    );
    assert_eq!(
        problems(&yaml),
        [
            "f.yml:6:5: `branches` follow the trunk's last function, but `flows` lists none; list \
             the functions the rows pass through before they branch under `flows`"
        ]
    );
}

#[test]
fn each_branch_is_a_mapping_with_functions() {
    let expected = "each entry of `branches` must be a mapping that lists the branch's functions, \
                    such as `- flows: [{fname: funcName3}]`";
    let yaml = format!(
        "{HEAD}flows: [{{fname: a}}]\nbranches:\n  - [{{fname: c}}]\n  - flows: [{{fname: e}}]\n"
    );
    assert_eq!(problems(&yaml), [format!("f.yml:6:5: {expected}")]);
    let yaml = format!(
        "{HEAD}flows: [{{fname: a}}]\nbranches:\n  - flows: [{{fname: c}}]\n  - flows: []\n"
    );
    assert_eq!(problems(&yaml), [format!("f.yml:7:5: {expected}")]);
}

#[test]
fn branch_entries_are_checked_as_trunk_entries_are() {
    let yaml = format!(
        "{HEAD}flows: [{{fname: a}}]\nbranches:\n  - flows: [{{fname: c}}, {{params: {{}}}}]\n  - \
         flows: [{{fname: e}}]\n  - flowz: [{{fname: f}}]\n"
    );
    let shown = problems(&yaml);
    assert_eq!(
        shown[0],
        "f.yml:6:25: missing `fname`: name the function to run with `fname: <name>`"
    );
    assert!(
        shown[1].starts_with("f.yml:8:5: unknown key `flowz`"),
        "{shown:#?}"
    );
}

#[test]
fn a_list_is_required() {
    assert_eq!(
        problems(&format!("{HEAD}flows: [{{fname: a}}]\nbranches: c\n")),
        [
            "f.yml:5:11: `branches` must be a list of branches, each `- flows: [{fname: <name>}, \
             ...]`"
        ]
    );
}
