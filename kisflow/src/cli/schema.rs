//! The JSON Schema of the YAML kinds, with this program's function names, for editors.

use serde_json::{Value, json};

/// A JSON Schema (draft 2020-12) that every valid config file matches: one of the `func`,
/// `flow`, `conn` and `global` kinds (and `schedule`, with the `schedule` feature), with each
/// key, its type and, for `fname`, the names of the functions this program registers. YAML
/// editors complete and check files with it.
///
/// ```
/// let schema = kisflow::cli::schema();
/// assert_eq!(schema["oneOf"][0]["title"], "func");
/// ```
#[must_use]
pub fn schema() -> Value {
    let names: Vec<&str> = crate::registry()
        .map(|registry| {
            registry
                .functions()
                .map(crate::FunctionInfo::name)
                .collect()
        })
        .unwrap_or_default();
    let fname = if names.is_empty() {
        json!({ "type": "string", "description": "a function registered with #[kis_function]" })
    } else {
        json!({ "enum": names, "description": "a function registered with #[kis_function]" })
    };
    let text_map = json!({
        "type": "object",
        "additionalProperties": { "type": ["string", "number", "boolean"] }
    });
    let names_list = json!({ "type": ["array", "null"], "items": { "type": "string" } });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kisflow config file",
        "oneOf": kinds(&fname, &text_map, &names_list)
    })
}

fn kinds(fname: &Value, text_map: &Value, names_list: &Value) -> Vec<Value> {
    #[allow(unused_mut, reason = "the schedule kind is added with its feature")]
    let mut kinds = vec![
        func(fname, text_map, names_list),
        flow(fname, text_map),
        conn(text_map, names_list),
        global(),
    ];
    #[cfg(feature = "schedule")]
    kinds.push(schedule());
    kinds
}

fn func(fname: &Value, text_map: &Value, names_list: &Value) -> Value {
    json!({
        "title": "func",
        "type": "object",
        "required": ["kistype", "fname", "fmode"],
        "additionalProperties": false,
        "properties": {
            "kistype": { "const": "func" },
            "fname": fname,
            "fmode": { "enum": ["Verify", "Save", "Load", "Calculate", "Expand"] },
            "source": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "name": { "type": "string" },
                    "must": names_list
                }
            },
            "option": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "cname": { "type": "string" },
                    "retry_times": { "type": "integer", "minimum": 0 },
                    "retry_duration": { "type": "integer", "minimum": 0, "description": "milliseconds" },
                    "return_duration": { "type": "integer", "minimum": 0, "description": "Go KisFlow's spelling of retry_duration" },
                    "default_params": text_map
                }
            }
        }
    })
}

fn flow(fname: &Value, text_map: &Value) -> Value {
    let entries = json!({
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["fname"],
            "additionalProperties": false,
            "properties": { "fname": fname, "params": text_map }
        }
    });
    json!({
        "title": "flow",
        "type": "object",
        "required": ["kistype", "status", "flow_name", "flows"],
        "additionalProperties": false,
        "properties": {
            "kistype": { "const": "flow" },
            "status": { "enum": [0, 1], "description": "1 runs the flow, 0 switches it off" },
            "flow_name": { "type": "string" },
            "source": {
                "type": "object",
                "description": "where the flow's rows come from under `serve`",
                "required": ["type", "addrs", "stream", "group"],
                "additionalProperties": false,
                "properties": {
                    "type": { "enum": ["redis", "nats", "kafka"] },
                    "addrs": { "type": "string", "pattern": "^.+:[0-9]+$" },
                    "stream": { "type": "string" },
                    "group": { "type": "string" },
                    "consumer": { "type": "string" },
                    "dead_letters": { "type": "string" },
                    "batch": { "type": "integer", "minimum": 1 },
                    "concurrency": { "type": "integer", "minimum": 1 },
                    "retry_times": { "type": "integer", "minimum": 0 },
                    "claim_idle_ms": { "type": "integer", "minimum": 0 }
                }
            },
            "flows": entries,
            "branches": {
                "type": "array",
                "description": "chains fed each with a copy of the rows of the last function of `flows`",
                "minItems": 2,
                "items": {
                    "type": "object",
                    "required": ["flows"],
                    "additionalProperties": false,
                    "properties": { "flows": entries }
                }
            }
        }
    })
}

fn conn(text_map: &Value, names_list: &Value) -> Value {
    json!({
        "title": "conn",
        "type": "object",
        "required": ["kistype", "cname"],
        "additionalProperties": false,
        "properties": {
            "kistype": { "const": "conn" },
            "cname": { "type": "string" },
            "addrs": { "type": "string" },
            "type": { "type": "string", "description": "`memory` is built in; others are given in code" },
            "key": { "type": "string" },
            "params": text_map,
            "load": names_list,
            "save": names_list
        }
    })
}

fn global() -> Value {
    json!({
        "title": "global",
        "type": "object",
        "required": ["kistype"],
        "additionalProperties": false,
        "properties": {
            "kistype": { "const": "global" },
            "prometheus_enable": { "type": "boolean" },
            "prometheus_listen": { "type": "boolean" },
            "prometheus_serve": { "type": "string" }
        }
    })
}

#[cfg(feature = "schedule")]
fn schedule() -> Value {
    let millis = json!({ "type": "integer", "minimum": 0 });
    json!({
        "title": "schedule",
        "type": "object",
        "required": ["kistype", "name", "flow", "cron"],
        "additionalProperties": false,
        "properties": {
            "kistype": { "const": "schedule" },
            "name": { "type": "string" },
            "flow": { "type": "string", "description": "a flow of the config or a flow! flow" },
            "cron": { "type": "string", "description": "six fields, seconds first, or five" },
            "time_zone": { "type": "string", "description": "an IANA time zone; UTC when absent" },
            "misfire": { "type": "string", "pattern": "^(skip|fire_once|backfill\\([0-9]+\\))$" },
            "grace_ms": millis,
            "timeout_ms": { "type": "integer", "minimum": 1 },
            "retries": { "type": "integer", "minimum": 0 },
            "rows": { "type": "array" }
        }
    })
}
