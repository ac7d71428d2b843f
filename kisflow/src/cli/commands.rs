//! What each command does; every failure comes back as the text to print on standard error.

use std::io::{BufRead, Write};
use std::path::Path;

use super::{BadRows, Command};
use crate::config::{Config, ConfigErrors, PlaceKey, Problem};
use crate::connector::MemoryKv;
use crate::error::Error;
use crate::pool::{Pool, count, suggestion};

type Outcome = Result<(), String>;

pub(super) fn dispatch(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    match command {
        Command::Validate { dir } => validate(&dir, out),
        Command::List { config } => list(config.as_deref(), out),
        Command::Export { flow, dir, config } => export(&flow, &dir, config.as_deref(), out),
        Command::Run {
            flow,
            config,
            input,
            follow,
            batch,
            bad_rows,
            dead_letters,
        } => {
            if follow || bad_rows == BadRows::Skip {
                let pool = pool_to_run(config.as_deref())?;
                let flow = find_flow(&pool, &flow, config.is_some())?;
                let options = super::follow::Options {
                    input,
                    follow,
                    batch: batch as usize,
                    dead_letters: (bad_rows == BadRows::Skip)
                        .then_some(dead_letters)
                        .flatten(),
                };
                super::follow::run(flow, &options, out, err)
            } else {
                run(&flow, config.as_deref(), input.as_deref(), out, err)
            }
        }
        #[cfg(feature = "schedule")]
        Command::Serve {
            config,
            postgres,
            instance,
            ui,
        } => {
            let coordination =
                postgres.map(|postgres| super::serve::Coordination { postgres, instance });
            super::serve::serve(&config, coordination, ui, out, err)
        }
        #[cfg(not(feature = "schedule"))]
        Command::Serve { config, ui } => super::serve::serve(&config, None, ui, out, err),
        #[cfg(feature = "schedule")]
        Command::Schedules { action } => super::schedules::schedules(action, out),
        Command::Dlq { action } => super::dlq::dlq(action, out),
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&super::schema()).map_err(text)?;
            writeln!(out, "{schema}").map_err(text)
        }
    }
}

pub(super) fn text(err: impl std::fmt::Display) -> String {
    err.to_string()
}

/// The pool of a config directory, or of no config at all, for commands that only read it.
pub(super) fn pool(config: Option<&Path>) -> Result<Pool, String> {
    load(config, false)
}

/// The pool of a config directory for commands that check or run its flows: a connector the
/// command line cannot make is a problem too, at its place, before anything runs.
pub(super) fn pool_to_run(config: Option<&Path>) -> Result<Pool, String> {
    load(config, true)
}

fn load(config: Option<&Path>, to_run: bool) -> Result<Pool, String> {
    if let Some(path) = config
        && path.is_file()
        && !path
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
    {
        return Err(format!(
            "`{}` is not a directory; give the directory of your `.yml`/`.yaml` config files (or \
             one such file)",
            path.display()
        ));
    }
    // What loaded is checked against the registry even when some file did not load, so one
    // pass reports every problem, sorted as one list.
    let (config, mut problems) = match config {
        Some(dir) => Config::load_all(dir),
        None => (Config::new(), Vec::new()),
    };
    let partial = !problems.is_empty();
    if to_run {
        problems.extend(unmakeable_connectors(&config));
    }
    problems.extend(crate::pool::problems(
        &config,
        crate::registry().map_err(text)?,
        partial,
    ));
    if !problems.is_empty() {
        return Err(ConfigErrors::from_problems(problems).to_string());
    }
    Pool::new(config).map_err(text)
}

/// The flow named `name`; an unknown name gets a "did you mean", and, when no `--config` was
/// given, the reminder that flows written only in YAML come from one.
pub(super) fn find_flow(
    pool: &Pool,
    name: &str,
    config_given: bool,
) -> Result<Box<dyn crate::DynFlow>, String> {
    match pool.flow(name) {
        Err(Error::Unknown { kind: "flow", .. }) => {
            let names = pool.flow_names();
            let known = if names.is_empty() {
                "none is registered".to_owned()
            } else {
                format!("registered flows: {}", names.join(", "))
            };
            let hint = suggestion(name, names.iter().map(String::as_str));
            let yaml = if config_given {
                ""
            } else {
                "; a flow written only in YAML needs `--config DIR`"
            };
            Err(format!("no flow named \"{name}\" ({known}){hint}{yaml}"))
        }
        other => other.map_err(text),
    }
}

/// Connectors the command line cannot make, or cannot make as written: a program hands any
/// connector but a memory store (and, with the `redis` feature, a Redis) to its pool in code
/// (`Pool::with_connector`), which the command line has no way to do, so a flow using one would
/// fail when it runs.
fn unmakeable_connectors(config: &Config) -> Vec<Problem> {
    config
        .conns()
        .filter_map(|conn| {
            let message = connector_problem(conn)?;
            Some(Problem {
                place: config.place(&PlaceKey::Conn(conn.cname.clone())).cloned(),
                message,
            })
        })
        .collect()
}

/// Why the command line cannot make `conn`, if it cannot.
fn connector_problem(conn: &crate::ConnConfig) -> Option<String> {
    let kind = conn.conn_type.as_str();
    if kind.is_empty() || kind == MemoryKv::TYPE {
        return None;
    }
    #[cfg(feature = "redis")]
    if kind == crate::RedisKv::TYPE {
        return crate::connector::check_redis(conn)
            .err()
            .map(|reason| format!("conn `{}` (`type: redis`): {reason}", conn.cname));
    }
    let makes = if cfg!(feature = "redis") {
        "`type: memory` and `type: redis` connectors only"
    } else {
        "`type: memory` connectors only (and `type: redis` with kisflow's `redis` feature)"
    };
    Some(format!(
        "conn `{}` has `type: {kind}`, which the command line cannot make: it makes {makes}; \
         run flows that need a {kind} connector from your program, giving it to the pool with \
         `Pool::with_connector`",
        conn.cname
    ))
}

/// Applies the global file's metrics, for `run` and `serve`: recorded, and served while the
/// returned listener lives when the file says `prometheus_listen`, its address written to `out`.
#[cfg(feature = "http")]
pub(super) async fn start_metrics(
    pool: &Pool,
    out: &mut dyn Write,
) -> Result<Option<crate::metrics::MetricsServer>, String> {
    let server = pool.init_metrics().await.map_err(|e| e.chain())?;
    if let Some(server) = &server {
        writeln!(out, "metrics at http://{}/metrics", server.local_addr()).map_err(text)?;
    }
    Ok(server)
}

fn validate(dir: &Path, out: &mut dyn Write) -> Outcome {
    let pool = pool_to_run(Some(dir))?;
    let config = pool.config();
    writeln!(
        out,
        "{}: ok, {}, {} and {} checked",
        dir.display(),
        count(config.funcs().count(), "function"),
        count(config.flows().count(), "flow"),
        count(config.conns().count(), "connector")
    )
    .map_err(text)
}

fn list(config: Option<&Path>, out: &mut dyn Write) -> Outcome {
    let pool = pool(config)?;
    let registry = crate::registry().map_err(text)?;
    writeln!(out, "functions:").map_err(text)?;
    if registry.functions().next().is_none() {
        writeln!(
            out,
            "  none: no #[kis_function] is linked into this program; if yours are written in \
             another crate, name that crate in the binary (`use my_functions as _;` in its \
             `main.rs`), or the linker leaves them out"
        )
        .map_err(text)?;
    }
    for function in registry.functions() {
        let output = function.output().map_or("nothing", |t| t.name());
        writeln!(
            out,
            "  {} ({}): {} -> {}",
            function.name(),
            function.mode(),
            function.input().name(),
            output
        )
        .map_err(text)?;
    }
    writeln!(out, "flows:").map_err(text)?;
    for name in pool.flow_names() {
        // Listed from their declarations, without building them: a flow whose connector is
        // given only in code still lists.
        let yaml = pool.config().flow(&name);
        let code = registry.flows().find(|f| f.name() == name);
        let functions = match (yaml, code) {
            (_, Some(code)) => code.outline(),
            (Some(yaml), None) => yaml.outline(),
            (None, None) => String::new(),
        };
        let source = match (yaml, code.is_some()) {
            (Some(yaml), _) if !yaml.enabled => " (yaml, switched off)",
            (Some(_), true) => " (code, changed by yaml)",
            (Some(_), false) => " (yaml)",
            (None, _) => "",
        };
        writeln!(out, "  {name}{source}: {functions}").map_err(text)?;
    }
    Ok(())
}

fn export(flow: &str, dir: &Path, config: Option<&Path>, out: &mut dyn Write) -> Outcome {
    let written = pool(config)?.export(flow, dir).map_err(text)?;
    for path in written {
        writeln!(out, "{}", path.display()).map_err(text)?;
    }
    Ok(())
}

fn run(
    flow: &str,
    config: Option<&Path>,
    input: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let pool = pool_to_run(config)?;
    let mut flow = find_flow(&pool, flow, config.is_some())?;
    let (label, lines) = read_lines(input)?;
    for (number, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        flow.commit_json(line).map_err(|err| {
            let line = number + 1;
            format!(
                "{label}:{line}: {}; no row ran: `run` reads all of its input before it runs (with \
                 `--follow` it runs batches as they come, with `--bad-rows skip` it goes on past \
                 bad rows)",
                err.with_row_number(line)
            )
        })?;
    }
    if flow.committed() == 0 {
        // Not an error, so a script may feed an empty batch; but not silent either.
        return writeln!(
            err,
            "{label} holds no rows, so flow `{}` did not run; give one JSON row per line",
            flow.name()
        )
        .map_err(text);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the async runtime: {err}"))?;
    let rows = runtime.block_on(async {
        // On stderr: stdout is the rows.
        #[cfg(feature = "http")]
        let _metrics = start_metrics(&pool, err).await?;
        flow.run_json().await.map_err(|err| err.chain())
    })?;
    for row in rows {
        writeln!(out, "{row}").map_err(text)?;
    }
    Ok(())
}

/// The input's name for messages and its lines.
fn read_lines(input: Option<&Path>) -> Result<(String, Vec<String>), String> {
    let (label, reader): (String, Box<dyn BufRead>) = match input {
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
            (
                path.display().to_string(),
                Box::new(std::io::BufReader::new(file)),
            )
        }
        None => ("<stdin>".to_owned(), Box::new(std::io::stdin().lock())),
    };
    let lines = reader
        .lines()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| format!("cannot read {label}: {err}"))?;
    Ok((label, lines))
}
