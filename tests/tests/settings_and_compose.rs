//! Configuration applied to flows (params, connectors, retries, required fields, switched off)
//! and flows composed at run time from registered functions by name.

use std::time::Duration;

use kisflow::prelude::*;
use kisflow::{ConnConfig, Connector, DynFlow, Error, FlowSettings, MemoryKv, StageSettings};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u32,
    qty: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct Line {
    id: u32,
    text: String,
}

/// Writes its params into the flow's metadata and passes rows on.
#[kis_function(mode = "Verify", params(unit = "pcs", lang = "en"))]
fn check(ctx: &FlowCtx, rows: Vec<Order>) -> Vec<Order> {
    let params: Vec<String> = ctx.params().map(|(k, v)| format!("{k}={v}")).collect();
    ctx.flow_metadata().set("params", params.join(","));
    rows
}

#[kis_function(mode = "Calculate")]
fn describe(ctx: &FlowCtx, rows: Vec<Order>) -> Vec<Line> {
    let unit = ctx.param("unit").unwrap_or("?").to_owned();
    rows.into_iter()
        .map(|o| Line {
            id: o.id,
            text: format!("{} {unit}", o.qty),
        })
        .collect()
}

/// Fails the first two calls of each flow instance, counted in its metadata.
#[kis_function(mode = "Save", conn = "Lines")]
fn flaky_save(ctx: &FlowCtx, rows: Vec<Line>) -> kisflow::Result<Vec<Line>> {
    let calls = ctx
        .flow_metadata()
        .update("calls", |n: Option<u32>| n.unwrap_or(0) + 1)?;
    if calls <= 2 {
        return Err(Error::msg("store busy"));
    }
    let kv = ctx.connector()?.client::<MemoryKv>()?;
    for line in &rows {
        kv.set(
            format!("{}{}", ctx.connector()?.config().key, line.id),
            line.text.clone(),
        );
    }
    Ok(rows)
}

#[kis_function(mode = "Expand")]
fn print(rows: Vec<Line>) {
    for line in rows {
        println!("{}: {}", line.id, line.text);
    }
}

flow!(Orders: check -> describe(unit = "boxes"));
flow!(Saving: check -> describe(unit = "pcs") -> flaky_save -> print);
flow!(Packed: check(unit = "crates", lang = "fr") -> describe(unit = "boxes"));

fn stages(n: usize) -> Vec<StageSettings> {
    vec![StageSettings::default(); n]
}

#[tokio::test]
async fn configured_params_merge_over_declared_ones() -> kisflow::Result<()> {
    let mut settings = FlowSettings {
        stages: stages(2),
        ..FlowSettings::default()
    };
    settings.stages[0].default_params = [("lang".into(), "zh".into())].into();
    settings.stages[0].flow_params = [("unit".into(), "kg".into())].into();
    let mut flow = Orders::new().with_settings(&settings)?;
    flow.commit(Order { id: 1, qty: 2 })?;
    flow.run().await?;
    // Flow params first, then defaults: configured defaults over declared ones.
    assert_eq!(
        flow.metadata().get::<String>("params")?.as_deref(),
        Some("unit=kg,lang=zh")
    );
    Ok(())
}

/// README's precedence list, per key: the YAML flow's `params` override the `flow!`'s key by key,
/// so a YAML flow setting only `lang` keeps the `flow!`'s `unit`.
#[tokio::test]
async fn yaml_flow_params_override_flow_params_key_by_key() -> kisflow::Result<()> {
    let yaml = "kistype: flow\nstatus: 1\nflow_name: Packed\nflows:\n  - fname: check\n    params:\n      lang: de\n  - fname: describe\n";
    let config = kisflow::config::Config::load_str("packed.yml", yaml)?;
    let mut flow = kisflow::Pool::new(config)?.flow("Packed")?;
    flow.commit_json(r#"{"id": 1, "qty": 2}"#)?;
    let out = flow.run_json().await?;
    assert_eq!(out, [serde_json::json!({"id": 1, "text": "2 boxes"})]);
    assert_eq!(
        flow.metadata().get::<String>("params")?.as_deref(),
        Some("unit=crates,lang=de")
    );
    Ok(())
}

#[tokio::test]
async fn run_json_returns_the_last_output() -> kisflow::Result<()> {
    let mut flow: Box<dyn DynFlow> = Orders::new().into_dyn();
    flow.commit_json(r#"{"id": 7, "qty": 3}"#)?;
    let out = flow.run_json().await?;
    assert_eq!(out, [serde_json::json!({"id": 7, "text": "3 boxes"})]);
    Ok(())
}

#[tokio::test]
async fn typed_and_dyn_commits_to_one_instance_run_together_in_order() -> kisflow::Result<()> {
    let mut flow = Orders::new();
    flow.commit(Order { id: 1, qty: 1 })?;
    assert_eq!(flow.committed(), 1);
    let mut flow = flow.into_dyn();
    flow.commit_json(r#"{"id": 2, "qty": 2}"#)?;
    flow.commit(Order { id: 3, qty: 3 })?;
    assert_eq!(flow.committed(), 3);
    let out = flow.run_json().await?;
    let ids: Vec<&serde_json::Value> = out.iter().map(|line| &line["id"]).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(flow.committed(), 0);
    Ok(())
}

#[tokio::test]
async fn a_switched_off_flow_says_so_and_keeps_its_rows() -> kisflow::Result<()> {
    let settings = FlowSettings {
        disabled: Some("status: 0 at conf/flow-Orders.yml:2:9".into()),
        ..FlowSettings::default()
    };
    let mut flow = Orders::new().with_settings(&settings)?;
    flow.commit(Order { id: 1, qty: 2 })?;
    let err = flow.run().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "flow `Orders` is switched off (status: 0 at conf/flow-Orders.yml:2:9); set `status: 1` \
         to run it; its committed rows are kept"
    );
    assert_eq!(flow.committed(), 1);
    let mut flow = flow.with_settings(&FlowSettings::default())?;
    flow.run().await?;
    assert_eq!(flow.committed(), 0);
    Ok(())
}

#[tokio::test]
async fn required_fields_are_checked_on_json_rows() -> kisflow::Result<()> {
    let mut settings = FlowSettings {
        stages: stages(2),
        ..FlowSettings::default()
    };
    settings.stages[0].must = vec!["id".into(), "qty".into()];
    let mut flow = Orders::new().with_settings(&settings)?;
    flow.commit_json(r#"{"id": 1, "qty": 2}"#)?;
    let err = flow.commit_json(r#"{"id": 2}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "flow `Orders`: row 2 lacks the field `qty`, which function `check` requires \
         (`source.must`); the row was not committed: {\"id\": 2}"
    );
    // A row with the required fields that then fails to decode gets the verdict, the place and
    // the echo of a flow without required fields.
    let err = flow.commit_json(r#"{"id": 3, "qty": "many"}"#).unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains("field `qty`: invalid type: string \"many\", expected u32 at line 1 column"),
        "{shown}"
    );
    assert!(
        shown.ends_with(r#"the row was not committed: {"id": 3, "qty": "many"}"#),
        "{shown}"
    );
    assert_eq!(flow.committed(), 1);
    Ok(())
}

#[tokio::test]
async fn a_failing_call_is_retried_then_succeeds() -> kisflow::Result<()> {
    let lines = Connector::memory_kv(ConnConfig::new("Shelf").key("line_"));
    let mut settings = FlowSettings {
        stages: stages(4),
        ..FlowSettings::default()
    };
    settings.stages[2].conn = Some("Shelf".into()); // rebinding from "Lines"
    settings.stages[2].retry_times = 2;
    settings.stages[2].retry_delay = Duration::from_millis(5);
    let mut flow = Saving::new()
        .with_settings(&settings)?
        .with_connector(&lines)?;
    flow.commit(Order { id: 4, qty: 1 })?;
    flow.run().await?;
    assert_eq!(flow.metadata().get::<u32>("calls")?, Some(3));
    assert_eq!(
        lines.client::<MemoryKv>()?.get("line_4")?.as_deref(),
        Some("1 pcs")
    );

    // With one retry only, the second failure ends the run.
    settings.stages[2].retry_times = 1;
    let mut flow = Saving::new()
        .with_settings(&settings)?
        .with_connector(&lines)?;
    flow.commit(Order { id: 5, qty: 1 })?;
    let err = flow.run().await.unwrap_err();
    assert_eq!(
        err.chain(),
        "flow `Saving`: function `flaky_save` failed: store busy"
    );
    Ok(())
}

#[kis_function(mode = "Calculate")]
fn not_clone(rows: Vec<std::sync::Mutex<u8>>) -> Vec<u8> {
    rows.into_iter().map(|m| m.into_inner().unwrap()).collect()
}

#[kis_function(mode = "Expand")]
fn print_bytes(rows: Vec<u8>) {
    println!("{rows:?}");
}

#[test]
fn retries_need_clone_rows() {
    flow!(Mutexes: not_clone -> print_bytes);
    let mut settings = FlowSettings {
        stages: stages(2),
        ..FlowSettings::default()
    };
    settings.stages[0].retry_times = 1;
    let err = Mutexes::new().with_settings(&settings).unwrap_err();
    assert_eq!(
        err.to_string(),
        "flow `Mutexes`: function `not_clone` cannot be retried: its input rows \
         `std::sync::poison::mutex::Mutex<u8>` are not `Clone`, and a retry calls it again with the \
         same rows; derive `Clone` for them or set `retry_times: 0`"
    );
    let err = Mutexes::new().with_settings(&FlowSettings {
        stages: stages(3),
        ..FlowSettings::default()
    });
    assert_eq!(
        err.unwrap_err().to_string(),
        "flow `Mutexes`: settings for 3 functions, but the flow has 2"
    );
}

#[tokio::test]
async fn composed_flows_run_registered_functions_by_name() -> kisflow::Result<()> {
    let registry = kisflow::registry()?;
    let mut flow = registry.compose("Composed", &["check", "describe"])?;
    flow.commit_json(r#"{"id": 1, "qty": 5}"#)?;
    flow.commit_json(serde_json::json!({"id": 2, "qty": 6}))?;
    assert_eq!(flow.committed(), 2);
    let out = flow.run_json().await?;
    // `describe` has no flow params here: its default `unit` is not set, so "?".
    assert_eq!(
        out,
        [
            serde_json::json!({"id": 1, "text": "5 ?"}),
            serde_json::json!({"id": 2, "text": "6 ?"}),
        ]
    );
    let err = flow.commit_json(r#"{"id": "x"}"#).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "flow `Composed`: row 1 does not decode into `settings_and_compose::Order`"
        ),
        "{err}"
    );
    let fork = flow.fork();
    assert_ne!(fork.id(), flow.id());
    assert_eq!(fork.name(), "Composed");
    Ok(())
}

#[test]
fn composed_flows_are_type_checked_before_they_run() -> kisflow::Result<()> {
    let registry = kisflow::registry()?;
    let err = registry
        .compose("Wrong", &["describe", "check"])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "flow `Wrong`: function `describe` emits rows of type `settings_and_compose::Line`, but \
         the next function `check` takes rows of type `settings_and_compose::Order`"
    );
    let err = registry
        .compose("Sink", &["print", "describe"])
        .unwrap_err();
    assert!(err.to_string().contains("`print` emits no rows"), "{err}");
    let err = registry.compose("Typo", &["chek"]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("no function named \"chek\" is registered"),
        "{err}"
    );
    kisflow::metrics::set_enabled(false);
    Ok(())
}

#[tokio::test]
async fn composed_flows_take_actions_and_settings() -> kisflow::Result<()> {
    let registry = kisflow::registry()?;
    let mut flow = registry.compose("Stored", &["check", "describe", "flaky_save"])?;
    let mut settings = FlowSettings {
        stages: stages(3),
        ..FlowSettings::default()
    };
    settings.stages[1].flow_params = [("unit".into(), "m".into())].into();
    settings.stages[2].retry_times = 3;
    flow.set_settings(&settings)?;
    flow.commit_json(r#"{"id": 9, "qty": 4}"#)?;
    // Bound to "Lines" by its attribute, and no connector was given.
    let err = flow.run().await.unwrap_err();
    assert!(
        err.to_string().contains("bound to connector \"Lines\""),
        "{err}"
    );
    kisflow::metrics::set_enabled(false);
    Ok(())
}

#[tokio::test]
async fn the_global_file_serves_metrics() -> kisflow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let yaml = "kistype: global\nprometheus_enable: true\nprometheus_listen: true\nprometheus_serve: 127.0.0.1:0\n";
    let config = kisflow::config::Config::load_str("kis-flow.yml", yaml)?;
    let pool = kisflow::Pool::new(config)?;
    let server = pool
        .init_metrics()
        .await?
        .expect("prometheus_listen starts a listener");
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: kisflow\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("kisflow_data_total"), "{response}");
    server.shutdown().await;
    kisflow::metrics::set_enabled(false);

    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let busy = taken.local_addr().unwrap();
    let yaml = format!(
        "kistype: global\nprometheus_enable: true\nprometheus_listen: true\nprometheus_serve: {busy}\n"
    );
    let pool = kisflow::Pool::new(kisflow::config::Config::load_str("kis-flow.yml", &yaml)?)?;
    let err = pool.init_metrics().await.unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "cannot serve metrics at `{busy}` (`prometheus_serve` of the global config): "
        )),
        "{err}"
    );
    kisflow::metrics::set_enabled(false);
    Ok(())
}
