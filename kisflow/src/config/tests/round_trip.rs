//! `to_yaml` writes Go's keys, `kistype` first, and loads back as an equal item.

use super::loads;
use crate::ConnConfig;
use crate::Mode;
use crate::config::{
    Config, FlowConfig, FlowFunction, FuncConfig, FuncOption, Source, conn_to_yaml, global_to_yaml,
};
use crate::metrics::MetricsConfig;

fn full_func() -> FuncConfig {
    FuncConfig {
        fname: "funcName2".into(),
        fmode: Mode::Save,
        source: Source {
            name: "UserOrderErrorRate".into(),
            must: vec!["order_id".into(), "user_id".into()],
        },
        option: FuncOption {
            cname: Some("ConnName1".into()),
            retry_times: 3,
            retry_duration_ms: 300,
            default_params: [("default1", "3"), ("default2", "true"), ("empty", "")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        },
    }
}

#[test]
fn func_round_trip() {
    for func in [full_func(), FuncConfig::new("bare", Mode::Expand)] {
        let config = loads(&func.to_yaml());
        assert_eq!(config.func(&func.fname), Some(&func));
    }
}

#[test]
fn func_yaml_has_the_keys_that_are_set_in_go_names() {
    // An export shows what is set: a bare func is its three required keys.
    assert_eq!(
        FuncConfig::new("f", Mode::Load).to_yaml(),
        "kistype: func\nfname: f\nfmode: Load\n"
    );
    let yaml = full_func().to_yaml();
    for key in [
        "source:",
        "name:",
        "must:",
        "option:",
        "cname:",
        "retry_times:",
        "retry_duration:",
        "default_params:",
    ] {
        assert!(yaml.contains(key), "{key} in {yaml}");
    }
}

#[test]
fn flow_round_trip() {
    let mut flow = FlowConfig::new("flowName1");
    flow.flows
        .push(FlowFunction::new("funcName1").param("myKey1", "flowValue1-1"));
    flow.flows.push(FlowFunction::new("funcName2"));
    let mut off = FlowConfig::new("off");
    off.enabled = false;
    for flow in [flow, off] {
        let yaml = flow.to_yaml();
        assert!(yaml.starts_with("kistype: flow\nstatus: "), "{yaml}");
        assert_eq!(loads(&yaml).flow(&flow.flow_name), Some(&flow));
    }
}

#[test]
fn conn_round_trip() {
    let mut conn = ConnConfig::new("ConnName1")
        .addrs("0.0.0.0:9988,0.0.0.0:9999")
        .conn_type("redis")
        .key("redis-key")
        .param("args1", "value1");
    conn.save.push("funcName2".into());
    for conn in [conn, ConnConfig::new("bare")] {
        let yaml = conn_to_yaml(&conn);
        assert!(yaml.starts_with("kistype: conn\n"), "{yaml}");
        assert!(yaml.contains("\ntype: "), "{yaml}");
        assert_eq!(loads(&yaml).conn(&conn.cname), Some(&conn));
    }
}

#[test]
fn global_round_trip() {
    let global = MetricsConfig {
        prometheus_enable: true,
        prometheus_listen: true,
        prometheus_serve: "0.0.0.0:20004".into(),
    };
    assert_eq!(loads(&global_to_yaml(&global)).global(), Some(&global));
    assert_eq!(
        loads("kistype: global\n").global(),
        Some(&MetricsConfig::default())
    );
}

#[test]
fn params_keep_the_spelling_of_numbers_and_booleans() {
    let yaml = "kistype: func\nfname: 12\nfmode: Save\noption:\n  return_duration: 5\n  \
                default_params: {a: 3, b: true, c: 1.50, d: 0x1F, e: ~, f: '~', g: .inf}\n";
    let config = loads(yaml);
    let func = config.func("12").expect("fname 12 is text");
    assert_eq!(func.option.retry_duration_ms, 5);
    let params: Vec<_> = func
        .option
        .default_params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(
        params,
        ["a=3", "b=true", "c=1.50", "d=0x1F", "e=", "f=~", "g=.inf"]
    );
}

#[test]
fn an_empty_cname_is_no_connector() {
    let config = loads("kistype: func\nfname: a\nfmode: Save\noption:\n  cname: ''\n");
    assert_eq!(config.func("a").expect("a").option.cname, None);
}

#[test]
fn items_built_in_code_replace_by_name_and_have_no_place() {
    let mut config = loads(&full_func().to_yaml());
    let key = crate::config::PlaceKey::Func("funcName2".into());
    assert!(config.place(&key).is_some());
    config.insert_func(FuncConfig::new("funcName2", Mode::Verify));
    assert_eq!(config.funcs().count(), 1);
    assert_eq!(
        config.func("funcName2").expect("replaced").fmode,
        Mode::Verify
    );
    assert_eq!(config.place(&key), None);
    config.set_global(MetricsConfig::default());
    config.insert_conn(ConnConfig::new("c"));
    config.insert_flow(FlowConfig::new("F"));
    assert!(config.global().is_some() && config.conn("c").is_some() && config.flow("F").is_some());
    assert_eq!(Config::new(), Config::default());
}
