//! Exporting every flow of this test program (the `flow!`s of Go's fixtures, with and without
//! Go's YAML tree changing them) writes files that load back into the same configuration, and
//! that configuration builds flows with the same functions and params.

mod go;

use std::path::PathBuf;

use kisflow::Pool;
use kisflow::config::{Config, FlowConfig, FlowFunction};

const TREE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/load_conf");

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kisflow-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The configuration of the `flow!` named `name`, as its declaration says it.
fn declared(name: &str) -> FlowConfig {
    let code = kisflow::registry()
        .unwrap()
        .flows()
        .find(|f| f.name() == name)
        .unwrap();
    let mut flow = FlowConfig::new(name);
    for stage in code.stages() {
        let mut entry = FlowFunction::new(stage.function().name());
        for (key, value) in stage.flow_params() {
            entry = entry.param(*key, *value);
        }
        flow.flows.push(entry);
    }
    flow
}

/// Each flow's functions with their params, as the pool builds them.
fn shape(pool: &Pool, name: &str) -> Vec<(String, Vec<(String, String)>)> {
    let flow = pool.flow(name).unwrap();
    (0..flow.stages().len())
        .map(|index| {
            let ctx = flow.function_ctx(index).unwrap();
            let mut params: Vec<(String, String)> = ctx
                .params()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            params.sort();
            (ctx.function_name().to_owned(), params)
        })
        .collect()
}

fn round_trip(pool: &Pool, label: &str) {
    for name in pool.flow_names() {
        let dir = temp_dir(&format!("{label}-{name}"));
        let written = pool.export(&name, &dir).unwrap();
        assert!(
            written[0].ends_with(format!("flow-{name}.yaml")),
            "{written:?}"
        );
        let loaded = Config::load(&dir).unwrap();
        let flow = loaded.flow(&name).unwrap();
        let expected = match pool.config().flow(&name) {
            Some(yaml) => yaml.clone(),
            None => declared(&name),
        };
        assert_eq!(flow, &expected, "{name}");
        for func in loaded.funcs() {
            if let Some(original) = pool.config().func(&func.fname) {
                assert_eq!(func, original, "{name}: func {}", func.fname);
            }
        }
        for conn in loaded.conns() {
            if let Some(original) = pool.config().conn(&conn.cname) {
                assert_eq!(conn, original, "{name}: conn {}", conn.cname);
            }
        }
        // Exporting the re-imported flow writes the same bytes.
        let reloaded = Pool::new(loaded).unwrap().with_connector(&go::conn_name1());
        let again = temp_dir(&format!("{label}-{name}-again"));
        let rewritten = reloaded.export(&name, &again).unwrap();
        for (first, second) in written.iter().zip(&rewritten) {
            assert_eq!(
                std::fs::read_to_string(first).unwrap(),
                std::fs::read_to_string(second).unwrap(),
                "{}",
                first.display()
            );
        }
        assert_eq!(shape(pool, &name), shape(&reloaded, &name), "{name}");
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&again);
    }
}

#[test]
fn every_flow_declared_in_code_round_trips() {
    let pool = Pool::new(Config::new())
        .unwrap()
        .with_connector(&go::conn_name1());
    assert!(pool.flow_names().len() >= 8);
    round_trip(&pool, "code");
    // One flow spelled out, so the expectation does not only mirror the export's own logic.
    let dir = temp_dir("code-spelled-out");
    pool.export("FlowName1", &dir).unwrap();
    let loaded = Config::load(&dir).unwrap();
    let flow = loaded.flow("FlowName1").unwrap();
    assert!(flow.enabled);
    let entries: Vec<(&str, Vec<(&str, &str)>)> = flow
        .flows
        .iter()
        .map(|f| {
            let params = f
                .params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            (f.fname.as_str(), params)
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                "funcName1",
                vec![("myKey1", "flowValue1-1"), ("myKey2", "flowValue1-2")]
            ),
            (
                "funcName2",
                vec![("myKey1", "flowValue2-1"), ("myKey2", "flowValue2-2")]
            ),
            (
                "funcName3",
                vec![("myKey1", "flowValue3-1"), ("myKey2", "flowValue3-2")]
            ),
        ]
    );
    let func = loaded.func("funcName2").unwrap();
    assert_eq!(func.option.cname.as_deref(), Some("ConnName1"));
    assert_eq!(func.option.default_params["default1"], "funcName2_param1");
    assert_eq!(loaded.conn("ConnName1").unwrap().key, "redis-key");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_flow_of_go_s_tree_round_trips() {
    let pool = Pool::new(Config::load(TREE).unwrap())
        .unwrap()
        .with_connector(&go::conn_name1());
    round_trip(&pool, "yaml");
}
