//! `RUST_LOG` for the embedded command line: kisflow's spans and events on standard error, as a
//! program that installs its own subscriber would see them. Only [`main`](super::main) installs
//! it, so a program that calls [`run`](super::run) keeps its own logging.

use std::io::Write;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Logs to standard error at the levels `RUST_LOG` names (`debug`, `kisflow=debug,warn`), when
/// it is set; a value that is not such a filter is said once and logging stays off.
pub(super) fn install_from_env(err: &mut dyn Write) {
    let Some(spec) = std::env::var_os("RUST_LOG") else {
        return;
    };
    let spec = spec.to_string_lossy();
    if spec.trim().is_empty() {
        return;
    }
    match spec.parse::<Targets>() {
        Ok(targets) => {
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(true);
            // Fails only when the program installed a subscriber already, which then wins.
            let _ = tracing_subscriber::registry()
                .with(layer)
                .with(targets)
                .try_init();
        }
        Err(problem) => {
            let _ = writeln!(
                err,
                "RUST_LOG=`{}` is not a log filter ({problem}); write a level such as `debug`, or \
                 `kisflow=debug,warn`; logging stays off",
                crate::error::excerpt(&spec)
            );
        }
    }
}
