//! What the worker examples' command lines share: reading `--flag value` pairs, and turning the
//! run's end into the exit code and the `stopped: …` line their process tests read.

use std::collections::BTreeMap;
use std::process::ExitCode;

use kisflow::source::RunReport;

/// The `--flag value` pairs of `args`, each flag one of `known`; the message names the bad one.
///
/// ```
/// let args = ["--stream", "s"].map(String::from).into_iter();
/// let flags = kisflow_examples::worker::flags(args, &["stream"]).unwrap();
/// assert_eq!(flags["stream"], "s");
/// let bad = ["--strem", "s"].map(String::from).into_iter();
/// assert_eq!(kisflow_examples::worker::flags(bad, &["stream"]).unwrap_err(), "unknown option `--strem`");
/// ```
pub fn flags(
    args: impl Iterator<Item = String>,
    known: &[&str],
) -> Result<BTreeMap<String, String>, String> {
    let mut given = BTreeMap::new();
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        let key = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument `{flag}`"))?;
        if !known.contains(&key) {
            return Err(format!("unknown option `{flag}`"));
        }
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value"))?;
        given.insert(key.to_owned(), value);
    }
    Ok(given)
}

/// Exit 2 with the problem and the usage: the command line did not parse.
#[must_use]
pub fn usage_error(problem: &str, usage: &str) -> ExitCode {
    eprintln!("error: {problem}\n{usage}");
    ExitCode::from(2)
}

/// Exit 0 with `stopped: N received, N acked, N dead-lettered` after a drained run, or 1 with
/// the error chain.
#[must_use]
pub fn finished(run: kisflow::Result<RunReport>) -> ExitCode {
    match run {
        Ok(report) => {
            eprintln!(
                "stopped: {} received, {} acked, {} dead-lettered",
                report.received, report.acked, report.dead_lettered
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", err.chain());
            ExitCode::FAILURE
        }
    }
}
