//! Whole trees of files: Go's `test/load_conf`, the walk's rules, and problems across files.

use std::collections::BTreeMap;

use super::TempDir;
use crate::Mode;
use crate::config::{Config, PlaceKey};

const LOAD_CONF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/load_conf");

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn go_load_conf_loads() {
    let config = Config::load(LOAD_CONF).unwrap_or_else(|errors| panic!("{errors}"));

    let funcs: Vec<_> = config
        .funcs()
        .map(|f| (f.fname.as_str(), f.fmode))
        .collect();
    assert_eq!(
        funcs,
        [
            ("AvgStuScore", Mode::Calculate),
            ("PrintStuAvgScore", Mode::Expand),
            ("abortFunc", Mode::Calculate),
            ("dataReuseFunc", Mode::Calculate),
            ("funcName1", Mode::Verify),
            ("funcName2", Mode::Save),
            ("funcName3", Mode::Calculate),
            ("jumpFunc", Mode::Calculate),
            ("noResultFunc", Mode::Calculate),
        ]
    );
    let save_func = config.func("funcName2").expect("funcName2");
    assert_eq!(save_func.source.name, "UserOrderErrorRate");
    assert_eq!(save_func.source.must, ["order_id", "user_id"]);
    assert_eq!(save_func.option.cname.as_deref(), Some("ConnName1"));
    assert_eq!(
        save_func.option.default_params,
        map(&[
            ("default1", "funcName2_param1"),
            ("default2", "funcName2_param2")
        ])
    );
    assert_eq!(
        config.func("abortFunc").expect("abortFunc").option.cname,
        None
    );

    let flows: Vec<_> = config.flows().map(|f| f.flow_name.as_str()).collect();
    assert_eq!(
        flows,
        [
            "StuAvg",
            "flowFork1",
            "flowName1",
            "flowName2",
            "flowName3",
            "flowName4",
            "flowName5"
        ]
    );
    assert!(config.flows().all(|f| f.enabled));
    let first_flow = config.flow("flowName1").expect("flowName1");
    let chain: Vec<_> = first_flow.flows.iter().map(|f| f.fname.as_str()).collect();
    assert_eq!(chain, ["funcName1", "funcName2", "funcName3"]);
    assert_eq!(
        first_flow.flows[1].params,
        map(&[("myKey1", "flowValue2-1"), ("myKey2", "flowValue2-2")])
    );
    assert!(
        config.flow("flowName2").expect("flowName2").flows[0]
            .params
            .is_empty()
    );

    let conn = config.conn("ConnName1").expect("ConnName1");
    assert_eq!(conn.addrs, "0.0.0.0:9988,0.0.0.0:9999,0.0.0.0:9990");
    assert_eq!(conn.conn_type, "redis");
    assert_eq!(conn.key, "redis-key");
    assert_eq!(
        conn.params,
        map(&[("args1", "value1"), ("args2", "value2")])
    );
    assert!(conn.load.is_empty());
    assert_eq!(conn.save, ["funcName2"]);
    assert_eq!(config.conns().count(), 1);

    let global = config.global().expect("kis-flow.yml");
    assert!(global.prometheus_enable && global.prometheus_listen);
    assert_eq!(global.prometheus_serve, "0.0.0.0:20004");
}

#[test]
fn go_load_conf_places() {
    let config = Config::load(LOAD_CONF).unwrap_or_else(|errors| panic!("{errors}"));
    let place = |key: PlaceKey| config.place(&key).expect("placed").to_string();
    assert_eq!(
        place(PlaceKey::Func("funcName1".into())),
        format!("{LOAD_CONF}/func/func-FuncName1.yml:2:8")
    );
    assert_eq!(
        place(PlaceKey::Flow("flowName1".into())),
        format!("{LOAD_CONF}/flow/flow-FlowName1.yml:3:12")
    );
    let entry = PlaceKey::FlowFunction {
        flow: "flowName1".into(),
        index: 2,
    };
    assert_eq!(
        place(entry),
        format!("{LOAD_CONF}/flow/flow-FlowName1.yml:13:12")
    );
    assert_eq!(
        place(PlaceKey::Conn("ConnName1".into())),
        format!("{LOAD_CONF}/conn/conn-ConnName1.yml:2:8")
    );
    // After the comment line written in Chinese: columns count characters.
    assert_eq!(
        place(PlaceKey::Global),
        format!("{LOAD_CONF}/kis-flow.yml:2:10")
    );
}

#[test]
fn loading_is_repeatable() {
    let first = Config::load(LOAD_CONF).expect("loads");
    let second = Config::load(LOAD_CONF).expect("loads again");
    assert_eq!(first, second);
}

#[test]
fn a_missing_path_is_one_problem() {
    let dir = TempDir::new("missing");
    let missing = dir.path().join("nope");
    let shown = missing.display();
    let errors = Config::load(&missing).unwrap_err();
    assert_eq!(
        errors.to_string(),
        format!("config directory `{shown}` does not exist")
    );
    let errors = Config::load(missing.join("flow.yml")).unwrap_err();
    assert_eq!(
        errors.to_string(),
        format!("config file `{shown}/flow.yml` does not exist")
    );
}

#[test]
fn a_directory_without_config_files_is_a_problem() {
    let dir = TempDir::new("empty");
    dir.write("README.md", "no config here")
        .write("sub/flow.YML", "kistype: flow\n");
    assert_eq!(
        dir.problems(),
        [format!(
            "config directory `{}` has no `.yml` or `.yaml` file",
            dir.path().display()
        )]
    );
}

#[test]
fn only_yml_and_yaml_files_count_at_any_depth() {
    let dir = TempDir::new("walk");
    dir.write(
        "a/b/c/func.yaml",
        "kistype: func\nfname: deep\nfmode: Load\n",
    )
    .write("func.yml", "kistype: func\nfname: top\nfmode: Save\n")
    .write("notes.txt", "kistype: nonsense")
    .write("a/old.yml.bak", "kistype: nonsense");
    let config = Config::load(dir.path()).unwrap_or_else(|errors| panic!("{errors}"));
    let names: Vec<_> = config.funcs().map(|f| f.fname.as_str()).collect();
    assert_eq!(names, ["deep", "top"]);
}

#[test]
fn one_file_is_read_whatever_its_name() {
    let dir = TempDir::new("one-file");
    dir.write("conn.txt", "kistype: conn\ncname: C\n");
    let config = Config::load(dir.path().join("conn.txt")).unwrap_or_else(|e| panic!("{e}"));
    assert!(config.conn("C").is_some());
}

#[test]
fn a_file_that_is_not_utf8_is_named() {
    let dir = TempDir::new("utf8");
    dir.write("func.yml", b"kistype: func\nfname: caf\xe9\n");
    assert_eq!(
        dir.problems(),
        [format!(
            "{}:2:11: the file is not UTF-8 text (byte 0xE9 here); save it as UTF-8",
            dir.shown("func.yml")
        )]
    );
}

#[test]
fn problems_of_every_file_sorted_by_file_then_line() {
    let dir = TempDir::new("many");
    dir.write("b.yml", "kistype: func\nfname: b\nfmode: Sav\nsorce: {}\n")
        .write("a.yml", "kistype: flow\nflow_name: [x\n")
        .write("c/ok.yml", "kistype: conn\ncname: C\n")
        .write("c/bad.yml", "kistype: fow\n");
    assert_eq!(
        dir.problems(),
        [
            format!(
                "{}:2:12: invalid YAML: unclosed bracket '['",
                dir.shown("a.yml")
            ),
            format!(
                "{}:3:8: unknown fmode `Sav`; did you mean `Save`? expected one of Verify, \
                 Save, Load, Calculate, Expand",
                dir.shown("b.yml")
            ),
            format!(
                "{}:4:1: unknown key `sorce`; did you mean `source`? expected one of kistype, \
                 fname, fmode, source, option",
                dir.shown("b.yml")
            ),
            format!(
                "{}:1:10: unknown kistype `fow`; did you mean `flow`? expected one of func, \
                 flow, conn, global, schedule",
                dir.shown("c/bad.yml")
            ),
        ]
    );
}

#[test]
fn duplicate_names_across_files_point_at_the_first() {
    let dir = TempDir::new("dups");
    let func = "kistype: func\nfname: f\nfmode: Save\n";
    let flow = "kistype: flow\nstatus: 1\nflow_name: F\n";
    let conn = "kistype: conn\ncname: C\n";
    let global = "kistype: global\n";
    dir.write("1/func.yml", func).write("2/func.yml", func);
    dir.write("1/flow.yml", flow)
        .write("2/flow.yml", flow.replace("status: 1", "status: 0"));
    dir.write("1/conn.yml", conn).write("2/conn.yml", conn);
    dir.write("1/global.yml", global)
        .write("2/global.yml", global);
    let first = |file: &str, at: &str| format!("{}:{at}", dir.shown(file));
    assert_eq!(
        dir.problems(),
        [
            format!(
                "{}:2:8: duplicate conn `C`, first defined at {}; rename or remove one of them",
                dir.shown("2/conn.yml"),
                first("1/conn.yml", "2:8")
            ),
            format!(
                "{}:3:12: duplicate flow `F`, first defined at {}; rename or remove one of them",
                dir.shown("2/flow.yml"),
                first("1/flow.yml", "3:12")
            ),
            format!(
                "{}:2:8: duplicate func `f`, first defined at {}; rename or remove one of them",
                dir.shown("2/func.yml"),
                first("1/func.yml", "2:8")
            ),
            format!(
                "{}:1:10: duplicate global config, first defined at {}; keep one of them",
                dir.shown("2/global.yml"),
                first("1/global.yml", "1:10")
            ),
        ]
    );
}

#[test]
fn a_switched_off_flow_is_loaded() {
    let dir = TempDir::new("off");
    dir.write(
        "flow.yml",
        "kistype: flow\nstatus: 0\nflow_name: Off\nflows:\n  - fname: a\n",
    );
    let config = Config::load(dir.path()).unwrap_or_else(|errors| panic!("{errors}"));
    let flow = config.flow("Off").expect("loaded");
    assert!(!flow.enabled);
    assert_eq!(flow.flows.len(), 1);
}
