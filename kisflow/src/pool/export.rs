//! Exporting a flow as YAML files that load back into the same configuration.

use std::path::{Path, PathBuf};

use super::Pool;
use crate::config::{FlowConfig, FlowFunction, FuncConfig, conn_to_yaml};
use crate::connector::ConnConfig;
use crate::error::{Error, Result};
use crate::registry::FlowInfo;

pub(super) fn export(pool: &Pool, name: &str, dir: &Path) -> Result<Vec<PathBuf>> {
    let flow = flow_config(pool, name)?;
    std::fs::create_dir_all(dir).map_err(|cause| io_error("create", dir, cause))?;
    let mut written = Vec::new();
    write(dir, "flow", &flow.flow_name, &flow.to_yaml(), &mut written)?;
    let mut conns: Vec<String> = Vec::new();
    for entry in flow.entries() {
        if written
            .iter()
            .any(|p| p.ends_with(file_name("func", &entry.fname)))
        {
            continue;
        }
        let func = func_config(pool, &entry.fname)?;
        if let Some(cname) = &func.option.cname
            && !conns.contains(cname)
        {
            conns.push(cname.clone());
        }
        write(dir, "func", &func.fname, &func.to_yaml(), &mut written)?;
    }
    for cname in conns {
        let conn = conn_config(pool, &cname);
        write(dir, "conn", &cname, &conn_to_yaml(&conn), &mut written)?;
    }
    Ok(written)
}

/// The YAML flow, or one made from the `flow!` of that name.
fn flow_config(pool: &Pool, name: &str) -> Result<FlowConfig> {
    if let Some(flow) = pool.config.flow(name) {
        return Ok(flow.clone());
    }
    let Some(code) = pool.registry.flows().find(|f| f.name() == name) else {
        return Err(Error::Unknown {
            kind: "flow",
            name: name.to_owned(),
            known: pool.flow_names().join(", "),
        });
    };
    Ok(declared(code))
}

/// The YAML of a `flow!` as its declaration says it: its functions with the params the `flow!`
/// gives them, the trunk's under `flows` and each branch's under `branches`.
pub(super) fn declared(code: FlowInfo) -> FlowConfig {
    let stages = code.stages();
    let mut chains = crate::flow::chains(stages.len(), code.branches()).map(|chain| {
        stages[chain]
            .iter()
            .map(|stage| {
                let entry = FlowFunction::new(stage.function().name());
                stage
                    .flow_params()
                    .iter()
                    .fold(entry, |entry, (key, value)| entry.param(*key, *value))
            })
            .collect::<Vec<_>>()
    });
    let mut flow = FlowConfig::new(code.name());
    flow.flows = chains.next().unwrap_or_default();
    flow.branches = chains.collect();
    flow
}

/// The func file, or one made from the registered function: its mode, defaults and connector.
/// The function's own params (`#[kis_function(params(...))]`) are written under the file's
/// `default_params`, which override them, so the file says every value the function runs with.
fn func_config(pool: &Pool, fname: &str) -> Result<FuncConfig> {
    let mut func = match pool.config.func(fname) {
        Some(func) => func.clone(),
        None => {
            let info = pool.registry.function(fname)?;
            let mut func = FuncConfig::new(fname, info.mode());
            func.option.cname = info.conn().map(str::to_owned);
            func
        }
    };
    if let Ok(info) = pool.registry.function(fname) {
        for (key, value) in info.params() {
            func.option
                .default_params
                .entry((*key).to_owned())
                .or_insert_with(|| (*value).to_owned());
        }
    }
    Ok(func)
}

/// The conn file, the given connector's config, or a bare in-memory one.
fn conn_config(pool: &Pool, cname: &str) -> ConnConfig {
    if let Some(conn) = pool.config.conn(cname) {
        return conn.clone();
    }
    if let Some(connector) = pool.connectors().get(cname) {
        return connector.config().clone();
    }
    ConnConfig::new(cname).conn_type(crate::MemoryKv::TYPE)
}

fn file_name(kind: &str, name: &str) -> String {
    format!("{kind}-{name}.yaml")
}

fn write(dir: &Path, kind: &str, name: &str, yaml: &str, written: &mut Vec<PathBuf>) -> Result<()> {
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(Error::Export {
            what: format!("{kind} `{name}`"),
            reason: "its name is not a file name; rename it".to_owned(),
        });
    }
    let path = dir.join(file_name(kind, name));
    std::fs::write(&path, yaml).map_err(|cause| io_error("write", &path, cause))?;
    written.push(path);
    Ok(())
}

fn io_error(action: &'static str, path: &Path, cause: std::io::Error) -> Error {
    Error::Io {
        action,
        path: path.to_owned(),
        cause,
    }
}
