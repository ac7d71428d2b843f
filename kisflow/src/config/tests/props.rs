//! Properties: no input makes the loader panic, every problem has a place in the document, and
//! every item written by `to_yaml` loads back equal.

use proptest::prelude::*;

use crate::ConnConfig;
use crate::Mode;
use crate::config::{
    Config, FlowConfig, FlowFunction, FuncConfig, FuncOption, Source, SourceConfig, conn_to_yaml,
};

const VALID: &str = "kistype: flow\nstatus: 1\nflow_name: flowName1\nflows:\n  - fname: funcName1\n    \
                     params:\n      myKey1: flowValue1-1\n  - fname: funcName2\n";

/// Loads, and checks what holds for any input: each problem is placed in the document.
fn load_any(yaml: &str) {
    if let Err(errors) = Config::load_str("f.yml", yaml) {
        assert!(!errors.is_empty());
        for problem in errors.problems() {
            let place = problem.place.as_ref().expect("placed");
            assert_eq!(place.file, "f.yml");
            assert!(!problem.message.is_empty());
        }
    }
}

/// One edit of a document: at a char index, delete, or insert or replace with a char.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    // YAML's structural characters, most likely to reach unusual paths, and any char at all.
    let yamlish = prop::sample::select(vec![
        ':', '-', ' ', '\n', '\t', '[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', '\'',
        '"', '%', '@', '`', '?', '~', '0', '1', 'a',
    ]);
    let char = prop_oneof![yamlish, any::<char>()];
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), char.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<usize>(), char).prop_map(|(i, c)| Edit::Replace(i, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let len = chars.len();
        match *edit {
            Edit::Delete(i) if len > 0 => {
                chars.remove(i % len);
            }
            Edit::Insert(i, c) => chars.insert(i % (len + 1), c),
            Edit::Replace(i, c) if len > 0 => chars[i % len] = c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-zA-Z0-9_ :#'\"-]{0,12}"]
}

fn name() -> impl Strategy<Value = String> {
    text().prop_filter("names are not empty", |s| !s.is_empty())
}

fn params() -> impl Strategy<Value = std::collections::BTreeMap<String, String>> {
    prop::collection::btree_map(text(), text(), 0..4)
}

fn func() -> impl Strategy<Value = FuncConfig> {
    let source = (text(), prop::collection::vec(text(), 0..3))
        .prop_map(|(name, must)| Source { name, must });
    let option = (
        prop::option::of(name()),
        any::<u32>(),
        any::<u64>(),
        params(),
    )
        .prop_map(
            |(cname, retry_times, retry_duration_ms, default_params)| FuncOption {
                cname,
                retry_times,
                retry_duration_ms,
                default_params,
            },
        );
    (
        name(),
        prop::sample::select(Mode::ALL.to_vec()),
        source,
        option,
    )
        .prop_map(|(fname, fmode, source, option)| FuncConfig {
            fname,
            fmode,
            source,
            option,
        })
}

fn flow() -> impl Strategy<Value = FlowConfig> {
    let entry = || (name(), params()).prop_map(|(fname, params)| FlowFunction { fname, params });
    // A flow with branches has a trunk and two branches or more, each of one function or more:
    // what the loader accepts.
    let chain = prop::collection::vec(entry(), 0..4).prop_map(|flows| (flows, Vec::new()));
    let branched = (
        prop::collection::vec(entry(), 1..3),
        prop::collection::vec(prop::collection::vec(entry(), 1..3), 2..4),
    );
    (
        name(),
        any::<bool>(),
        prop_oneof![chain, branched],
        prop::option::of(source()),
    )
        .prop_map(
            |(flow_name, enabled, (flows, branches), source)| FlowConfig {
                flow_name,
                enabled,
                flows,
                branches,
                source,
            },
        )
}

fn source() -> impl Strategy<Value = SourceConfig> {
    let kind = prop::sample::select(vec!["redis", "nats", "rabbitmq", "kafka"]);
    let numbers = (1usize..1000, 1usize..16, 0u32..5, 0u64..100_000);
    (
        kind,
        name(),
        1u16..,
        name(),
        name(),
        prop::option::of(name()),
        name(),
        numbers,
    )
        .prop_map(
            |(
                kind,
                host,
                port,
                stream,
                group,
                consumer,
                dead,
                (batch, concurrency, retry, claim),
            )| {
                // Kafka's addrs are a list: two servers, with no comma inside a host.
                let addrs = if kind == "kafka" {
                    let host = format!("h{}", host.replace(',', ""));
                    format!("{host}:{port},{host}:{port}")
                } else {
                    format!("{host}:{port}")
                };
                let mut source = SourceConfig::new(kind, addrs, stream, group);
                source.consumer = consumer;
                source.dead_letters = dead;
                source.batch = batch;
                source.concurrency = concurrency;
                source.retry_times = retry;
                source.claim_idle_ms = claim;
                source
            },
        )
}

fn conn() -> impl Strategy<Value = ConnConfig> {
    let lists = (
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(text(), 0..3),
    );
    (name(), text(), text(), text(), params(), lists).prop_map(
        |(cname, addrs, conn_type, key, params, (load, save))| {
            let mut conn = ConnConfig::new(cname)
                .addrs(addrs)
                .conn_type(conn_type)
                .key(key);
            conn.params = params;
            conn.load = load;
            conn.save = save;
            conn
        },
    )
}

/// Writes `bytes` to a file of its own and loads it: any bytes, UTF-8 or not.
fn load_bytes(bytes: &[u8]) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let file = std::env::temp_dir().join(format!(
        "kisflow-props-{}-{}.yml",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&file, bytes).expect("the temp dir is writable");
    let result = Config::load(&file);
    let _ = std::fs::remove_file(&file);
    if let Err(errors) = result {
        assert!(errors.problems().iter().all(|p| !p.message.is_empty()));
    }
}

proptest! {
    #[test]
    fn any_string_loads_without_panic(yaml in any::<String>()) {
        load_any(&yaml);
    }

    #[test]
    fn any_bytes_load_from_a_file_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        load_bytes(&bytes);
    }

    #[test]
    fn any_edit_of_a_valid_document_loads_without_panic(
        edits in prop::collection::vec(edit(), 1..6)
    ) {
        load_any(&apply(VALID, &edits));
    }

    #[test]
    fn any_func_round_trips(func in func()) {
        let yaml = func.to_yaml();
        let config = Config::load_str("f.yml", &yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(config.func(&func.fname), Some(&func));
    }

    #[test]
    fn any_flow_round_trips(flow in flow()) {
        let yaml = flow.to_yaml();
        let config = Config::load_str("f.yml", &yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(config.flow(&flow.flow_name), Some(&flow));
    }

    #[test]
    fn any_conn_round_trips(conn in conn()) {
        let yaml = conn_to_yaml(&conn);
        let config = Config::load_str("f.yml", &yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(config.conn(&conn.cname), Some(&conn));
    }
}

#[test]
fn the_valid_document_is_valid() {
    assert!(Config::load_str("f.yml", VALID).is_ok());
}
