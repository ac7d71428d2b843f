//! The `kisflow` command line, to embed in your own binary so that your functions are
//! registered in it (feature `cli`):
//!
//! ```no_run
//! // src/bin/kisflow.rs of your crate, next to your #[kis_function]s
//! fn main() -> std::process::ExitCode {
//!     kisflow::cli::main()
//! }
//! ```
//!
//! | command | what it does |
//! |---|---|
//! | `validate DIR` | loads and checks a config directory; prints every problem; exit 1 if any |
//! | `list [--config DIR]` | functions with mode and row types; flows with their functions |
//! | `export FLOW DIR [--config DIR]` | writes the flow's `flow-`, `func-` and `conn-*.yaml` files |
//! | `run FLOW [--config DIR] [--input FILE.jsonl]` | feeds JSON lines (from stdin without `--input`) as one batch and prints what the last function emits, one JSON value per line; the global file's metrics are recorded, and served while it runs (feature `http`) |
//! | `run FLOW … --follow [--batch N]` | runs batches of at most N lines as they arrive (a pipe that stays open), printing each batch's output |
//! | `run FLOW … --bad-rows skip --dead-letters FILE` | rows that do not decode are appended to FILE with their error and counted, instead of stopping the run |
//! | `serve --config DIR [--postgres URL --instance NAME]` | runs every enabled flow with a `source` as a worker (acks after success, dead letters, drain on SIGTERM/SIGINT), and with feature `schedule` the config's schedules beside them |
//! | `serve … --ui 127.0.0.1:PORT [--ui-token TOKEN]` | feature `dashboard`: the web dashboard beside the workers, even with no source; actions need the token (or `KISFLOW_UI_TOKEN`) |
//! | `dlq list\|show\|replay FLOW --config DIR` | the dead letters of the flow's source: list them, show one, replay them (`--dry-run`, `--limit`; a letter replayed 3 times stays dead) |
//! | `schedules list\|history\|pause\|resume\|trigger --postgres URL` | feature `schedule`: the schedules and their run history (`--schedule NAME`, `--json`: one object per line), and the controls every instance obeys |
//! | `schema` | the JSON Schema of the YAML kinds, for editor completion |

mod commands;
mod dlq;
mod follow;
mod logging;
#[cfg(feature = "schedule")]
mod schedules;
mod schema;
mod serve;
mod ui;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use schema::schema;

/// The command line's arguments.
#[derive(Debug, Parser)]
#[command(
    name = "kisflow",
    about = "Check, list, export and run the kisflow flows of this program"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load a config directory and check it against the registered functions.
    Validate {
        /// The directory of `.yml`/`.yaml` files.
        dir: PathBuf,
    },
    /// List the registered functions and the flows.
    List {
        /// Also list the flows of this config directory.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a flow's configuration as YAML files.
    Export {
        /// The flow's name.
        flow: String,
        /// Where to write the files.
        dir: PathBuf,
        /// A config directory the flow may come from or be changed by.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run a flow once over JSON lines and print what its last function emits.
    Run {
        /// The flow's name.
        flow: String,
        /// A config directory the flow may come from or be changed by.
        #[arg(long)]
        config: Option<PathBuf>,
        /// A file of JSON rows, one per line; standard input without it.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Run batches as lines arrive instead of reading to the end first, for a pipe that
        /// stays open; memory stays bounded by the batch.
        #[arg(long)]
        follow: bool,
        /// The most rows in one batch with `--follow` (or `--bad-rows skip`).
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        batch: u32,
        /// What a row that does not decode does: `stop` the run (naming its line), or `skip`
        /// it, appending it with its error to the `--dead-letters` file.
        #[arg(long, value_enum, default_value_t = BadRows::Stop)]
        bad_rows: BadRows,
        /// The file skipped rows are appended to, one JSON object per line.
        #[arg(long, required_if_eq("bad_rows", "skip"))]
        dead_letters: Option<PathBuf>,
    },
    /// Run every enabled flow that names a `source` as a worker until SIGTERM or SIGINT, with
    /// the global file's metrics listener.
    Serve {
        /// The config directory.
        #[arg(long)]
        config: PathBuf,
        /// The PostgreSQL that coordinates the config's schedules (feature `schedule`).
        #[cfg(feature = "schedule")]
        #[arg(long)]
        postgres: Option<String>,
        /// This instance's name among those running the schedules; the host name and process
        /// id when absent.
        #[cfg(feature = "schedule")]
        #[arg(long)]
        instance: Option<String>,
        /// The web dashboard (feature `dashboard`).
        #[command(flatten)]
        ui: ui::UiArgs,
    },
    /// The schedules and their run history, and pause, resume and trigger.
    #[cfg(feature = "schedule")]
    Schedules {
        #[command(subcommand)]
        action: SchedulesAction,
    },
    /// List, show or replay the dead letters of a flow's source.
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
    /// Print the JSON Schema of the YAML config kinds.
    Schema,
}

#[derive(Debug, Subcommand)]
enum DlqAction {
    /// The dead letters, oldest first, one per line.
    List {
        /// The flow whose `source` names the dead letters.
        flow: String,
        /// The config directory.
        #[arg(long)]
        config: PathBuf,
        /// The most letters to list.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One dead letter with its payload and error.
    Show {
        /// The flow whose `source` names the dead letters.
        flow: String,
        /// The letter's id, as `dlq list` prints it.
        id: String,
        /// The config directory.
        #[arg(long)]
        config: PathBuf,
    },
    /// Send dead letters back to the source; a letter replayed 3 times stays dead.
    Replay {
        /// The flow whose `source` names the dead letters.
        flow: String,
        /// The letters to replay; without any, the oldest `--limit`.
        ids: Vec<String>,
        /// The config directory.
        #[arg(long)]
        config: PathBuf,
        /// The most letters to replay.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Say what would be replayed, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[cfg(feature = "schedule")]
#[derive(Debug, Subcommand)]
enum SchedulesAction {
    /// Every schedule with its state: active or paused, next slot, last success.
    List {
        /// The coordinating PostgreSQL (`host=… user=…` or `postgres://…`).
        #[arg(long)]
        postgres: String,
    },
    /// The run history, oldest slot first.
    History {
        /// The coordinating PostgreSQL.
        #[arg(long)]
        postgres: String,
        /// Only this schedule's runs.
        #[arg(long)]
        schedule: Option<String>,
        /// One JSON object per line: `schedule`, `slot`, `instance`, `attempt`, `status`,
        /// `started_at`, `finished_at`, `error` (and `run`, `fired`, `rows`).
        #[arg(long)]
        json: bool,
    },
    /// Stop every instance from starting runs of a schedule.
    Pause {
        /// The schedule.
        name: String,
        /// The coordinating PostgreSQL.
        #[arg(long)]
        postgres: String,
    },
    /// Run a paused schedule again, from its next slot.
    Resume {
        /// The schedule.
        name: String,
        /// The coordinating PostgreSQL.
        #[arg(long)]
        postgres: String,
    },
    /// Queue a run of a schedule for now.
    Trigger {
        /// The schedule.
        name: String,
        /// The coordinating PostgreSQL.
        #[arg(long)]
        postgres: String,
    },
}

#[cfg(feature = "schedule")]
impl SchedulesAction {
    /// The database every action names.
    fn postgres(&self) -> &str {
        match self {
            Self::List { postgres }
            | Self::History { postgres, .. }
            | Self::Pause { postgres, .. }
            | Self::Resume { postgres, .. }
            | Self::Trigger { postgres, .. } => postgres,
        }
    }
}

/// What `run` does with a row that does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BadRows {
    /// End the run with an error naming the row's line.
    Stop,
    /// Write the row and its error to the dead-letter file, count it, and go on.
    Skip,
}

/// Runs the command line with the process's arguments, standard output and standard error.
#[must_use]
pub fn main() -> ExitCode {
    logging::install_from_env(&mut std::io::stderr());
    // Not `stdout().lock()`: `serve` runs handlers on other threads, and a handler that prints
    // would wait for that lock for ever.
    run(
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
}

/// Runs the command line with these arguments (the first is the program's name), writing to
/// `out` and `err`; for tests and for programs that wrap it. Unlike [`main`], it installs no
/// log subscriber.
///
/// ```standalone_crate
/// use std::process::ExitCode;
///
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let code = kisflow::cli::run(["kisflow", "run", "Nope"], &mut out, &mut err);
/// assert_eq!(code, ExitCode::FAILURE);
/// assert!(String::from_utf8(err).unwrap().starts_with("no flow named \"Nope\""));
/// ```
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(usage) => {
            let code = if usage.use_stderr() { 2 } else { 0 };
            let text = usage.render().to_string();
            let target: &mut dyn Write = if usage.use_stderr() { err } else { out };
            let _ = target.write_all(text.as_bytes());
            return ExitCode::from(code);
        }
    };
    match commands::dispatch(cli.command, out, err) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = writeln!(err, "{failure}");
            ExitCode::FAILURE
        }
    }
}
