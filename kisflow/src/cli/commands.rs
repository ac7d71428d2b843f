//! What each command does; every failure comes back as the text to print on standard error.

use std::io::{BufRead, Write};
use std::path::Path;

use super::{BadRows, Command};
use crate::config::Config;
use crate::pool::Pool;

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
                let flow = pool(config.as_deref())?.flow(&flow).map_err(text)?;
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
                run(&flow, config.as_deref(), input.as_deref(), out)
            }
        }
        #[cfg(feature = "schedule")]
        Command::Serve {
            config,
            postgres,
            instance,
        } => {
            let coordination =
                postgres.map(|postgres| super::serve::Coordination { postgres, instance });
            super::serve::serve(&config, coordination, out, err)
        }
        #[cfg(not(feature = "schedule"))]
        Command::Serve { config } => super::serve::serve(&config, None, out, err),
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

/// The pool of a config directory, or of no config at all.
pub(super) fn pool(config: Option<&Path>) -> Result<Pool, String> {
    let config = match config {
        Some(dir) => Config::load(dir).map_err(text)?,
        None => Config::new(),
    };
    Pool::new(config).map_err(text)
}

fn validate(dir: &Path, out: &mut dyn Write) -> Outcome {
    let pool = pool(Some(dir))?;
    let config = pool.config();
    writeln!(
        out,
        "{}: ok, {} functions, {} flows and {} connectors checked",
        dir.display(),
        config.funcs().count(),
        config.flows().count(),
        config.conns().count()
    )
    .map_err(text)
}

fn list(config: Option<&Path>, out: &mut dyn Write) -> Outcome {
    let pool = pool(config)?;
    let registry = crate::registry().map_err(text)?;
    writeln!(out, "functions:").map_err(text)?;
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
        let functions: Vec<&str> = match (yaml, code) {
            (_, Some(code)) => code.stages().iter().map(|s| s.function().name()).collect(),
            (Some(yaml), None) => yaml.flows.iter().map(|f| f.fname.as_str()).collect(),
            (None, None) => Vec::new(),
        };
        let source = match (yaml, code.is_some()) {
            (Some(yaml), _) if !yaml.enabled => " (yaml, switched off)",
            (Some(_), true) => " (code, changed by yaml)",
            (Some(_), false) => " (yaml)",
            (None, _) => "",
        };
        writeln!(out, "  {name}{source}: {}", functions.join(" -> ")).map_err(text)?;
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

fn run(flow: &str, config: Option<&Path>, input: Option<&Path>, out: &mut dyn Write) -> Outcome {
    let pool = pool(config)?;
    let mut flow = pool.flow(flow).map_err(text)?;
    let (label, lines) = read_lines(input)?;
    for (number, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        flow.commit_json(line)
            .map_err(|err| format!("{label}:{}: {err}", number + 1))?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the async runtime: {err}"))?;
    let rows = runtime
        .block_on(flow.run_json())
        .map_err(|err| err.chain())?;
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
