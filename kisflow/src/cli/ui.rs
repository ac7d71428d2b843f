//! `serve --ui ADDR --ui-token TOKEN`: the web dashboard beside the workers (feature
//! `dashboard`); without the feature the flags do not exist.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The dashboard's flags of `serve`.
#[derive(Debug, Clone, clap::Args)]
pub(super) struct UiArgs {
    /// Serve the web dashboard on this address, such as 127.0.0.1:8080 (loopback only unless
    /// `--ui-remote`).
    #[cfg(feature = "dashboard")]
    #[arg(long, value_name = "ADDR")]
    pub(super) ui: Option<String>,
    /// The token that allows the dashboard's actions (replay, pause, resume, trigger); also
    /// read from the environment variable `KISFLOW_UI_TOKEN`. Without it the dashboard only shows.
    #[cfg(feature = "dashboard")]
    #[arg(long, value_name = "TOKEN", requires = "ui")]
    pub(super) ui_token: Option<String>,
    /// Let the dashboard listen on an address other than loopback; put it behind a proxy
    /// that encrypts, since the token travels as it is.
    #[cfg(feature = "dashboard")]
    #[arg(long, requires = "ui")]
    pub(super) ui_remote: bool,
    /// Append each dashboard action (who, what, when, outcome) to this file as a JSON line.
    #[cfg(feature = "dashboard")]
    #[arg(long, value_name = "FILE", requires = "ui")]
    pub(super) ui_audit: Option<std::path::PathBuf>,
}

impl UiArgs {
    /// With `--ui`, has the flows made from now on record their metrics: the dashboard reads
    /// each function's rows, errors and durations from the global registry.
    pub(super) fn record_metrics(&self) {
        if self.wanted() {
            crate::metrics::set_enabled(true);
        }
    }

    /// Whether `--ui` was given.
    #[cfg_attr(not(feature = "dashboard"), allow(clippy::unused_self))]
    pub(super) fn wanted(&self) -> bool {
        #[cfg(feature = "dashboard")]
        return self.ui.is_some();
        #[cfg(not(feature = "dashboard"))]
        false
    }
}

/// What `serve` hands the dashboard: the pool, the config directory, the sources and the
/// schedules' database.
#[cfg_attr(
    not(feature = "dashboard"),
    allow(dead_code, reason = "read only with the dashboard")
)]
pub(super) struct Shown<'a> {
    pub(super) pool: &'a Arc<crate::Pool>,
    pub(super) dir: &'a Path,
    /// Each source's flow, config, description and runner.
    pub(super) sources: Vec<(
        String,
        crate::config::SourceConfig,
        String,
        crate::source::RunnerHandle,
    )>,
    #[cfg_attr(
        not(feature = "schedule"),
        allow(dead_code, reason = "read only with schedules")
    )]
    pub(super) postgres: Option<String>,
}

/// Starts the dashboard when `--ui` asks for it, and says where.
#[cfg(feature = "dashboard")]
pub(super) async fn start(
    args: UiArgs,
    shown: Shown<'_>,
    out: &mut dyn Write,
) -> Result<Option<crate::dashboard::DashboardServer>, String> {
    use crate::dashboard::Dashboard;
    let Some(addr) = args.ui else {
        return Ok(None);
    };
    let mut dashboard = Dashboard::new()
        .with_pool(Arc::clone(shown.pool))
        .with_config_dir(shown.dir);
    for (flow, source, describe, handle) in shown.sources {
        let letters = crate::source::DeadLetterStore::of(&source);
        dashboard = dashboard.with_source(&flow, &describe, handle, letters);
    }
    #[cfg(feature = "schedule")]
    if let Some(postgres) = &shown.postgres {
        dashboard = dashboard.with_schedules(postgres);
    }
    if let Some(token) = args
        .ui_token
        .or_else(|| std::env::var("KISFLOW_UI_TOKEN").ok())
    {
        dashboard = dashboard.with_token(token);
    }
    if let Some(file) = args.ui_audit {
        dashboard = dashboard.with_audit_file(file);
    }
    if args.ui_remote {
        dashboard = dashboard.allow_remote();
    }
    let server = dashboard
        .serve(&addr)
        .await
        .map_err(|e| format!("cannot serve the dashboard at `{addr}`: {e}"))?;
    writeln!(out, "dashboard at http://{}", server.local_addr()).map_err(|e| e.to_string())?;
    Ok(Some(server))
}

/// Without feature `dashboard` there is none to start.
#[cfg(not(feature = "dashboard"))]
#[allow(
    clippy::unused_async,
    clippy::unnecessary_wraps,
    reason = "the same shape as with the dashboard"
)]
pub(super) async fn start(
    _args: UiArgs,
    _shown: Shown<'_>,
    _out: &mut dyn Write,
) -> Result<Option<()>, String> {
    Ok(None)
}
