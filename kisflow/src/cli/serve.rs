//! `serve --config DIR`: every enabled flow that names a `source` runs as a worker until SIGTERM
//! or SIGINT, with the global file's metrics listener; with feature `schedule` and
//! `--postgres`, the config's schedules run beside them.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use super::commands::{pool_to_run, text};
use crate::config::SourceConfig;
use crate::source::{RunReport, Runner};

/// Where the config's schedules are coordinated: `--postgres`, and `--instance`.
pub(super) struct Coordination {
    #[cfg_attr(
        not(feature = "schedule"),
        allow(dead_code, reason = "read only with schedules")
    )]
    pub(super) postgres: String,
    #[cfg_attr(
        not(feature = "schedule"),
        allow(dead_code, reason = "read only with schedules")
    )]
    pub(super) instance: Option<String>,
}

pub(super) fn serve(
    dir: &Path,
    coordination: Option<Coordination>,
    ui: super::ui::UiArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), String> {
    ui.record_metrics();
    let pool = Arc::new(pool_to_run(Some(dir))?);
    let postgres = coordination.as_ref().map(|c| c.postgres.clone());
    let planned = scheduler(&pool, dir, coordination)?;
    let runners = runners(&pool)?;
    if runners.is_empty() && planned.is_none() && !ui.wanted() {
        return Err(format!(
            "no enabled flow in `{}` names a `source`; add one to a flow file, such as \
             `source: {{type: redis, addrs: 127.0.0.1:6379, stream: S, group: G}}`, or serve a \
             `kistype: schedule` file with `--postgres URL`, or watch the flows with `--ui ADDR`",
            dir.display()
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        #[cfg(feature = "http")]
        let _metrics = super::commands::start_metrics(&pool, out).await?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut running = tokio::task::JoinSet::new();
        let mut shown = super::ui::Shown {
            pool: &pool,
            dir,
            sources: Vec::new(),
            postgres,
        };
        let only_ui = runners.is_empty() && planned.is_none();
        for (name, source, runner) in runners {
            let what = if source.source_type == "rabbitmq" {
                "queue"
            } else {
                "stream"
            };
            let describe = format!(
                "{} {what} `{}` at {}, group `{}`",
                source.source_type,
                source.stream,
                without_credentials(&source.addrs),
                source.group
            );
            writeln!(out, "serving flow `{name}` from {describe}").map_err(text)?;
            shown
                .sources
                .push((name.clone(), source.clone(), describe, runner.handle()));
            let mut stop = stop_rx.clone();
            running.spawn(async move {
                let stopped = async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                };
                (name, runner.run_until(stopped).await)
            });
        }
        let served = planned.map(|(names, scheduler)| {
            let mut stop = stop_rx.clone();
            let line = writeln!(out, "serving schedules {}", names.join(", "));
            let task = tokio::spawn(async move {
                let stopped = async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                };
                scheduler.run_until(stopped).await
            });
            line.map(|()| task)
        });
        let served = served.transpose().map_err(text)?;
        let _dashboard = super::ui::start(ui, shown, out).await?;
        out.flush().map_err(text)?;
        let signal = tokio::spawn(async move {
            stop_signal().await;
            let _ = stop_tx.send(true);
        });
        if only_ui {
            let _ = stop_rx.clone().wait_for(|stop| *stop).await;
        }
        let mut failed = None;
        while let Some(joined) = running.join_next().await {
            let (name, result) = joined.map_err(text)?;
            match result {
                Ok(report) => writeln!(err, "flow `{name}` stopped: {}", summary(&report)),
                Err(e) => {
                    failed.get_or_insert_with(|| format!("flow `{name}`: {}", e.chain()));
                    writeln!(err, "flow `{name}` failed: {}", e.chain())
                }
            }
            .map_err(text)?;
        }
        if let Some(task) = served {
            match task.await.map_err(text)? {
                Ok(()) => writeln!(err, "schedules stopped").map_err(text)?,
                Err(e) => {
                    failed.get_or_insert_with(|| e.chain());
                    writeln!(err, "schedules failed: {}", e.chain()).map_err(text)?;
                }
            }
        }
        signal.abort();
        failed.map_or(Ok(()), Err)
    })
}

/// A runner for each enabled flow that names a source, with its name and source.
fn runners(pool: &crate::Pool) -> Result<Vec<(String, SourceConfig, Runner)>, String> {
    let mut runners = Vec::new();
    for flow in pool.config().flows() {
        let Some(source) = flow.source.as_ref().filter(|_| flow.enabled) else {
            continue;
        };
        let instance = pool.flow(&flow.flow_name).map_err(text)?;
        let runner = Runner::from_config(instance, source)
            .map_err(|e| format!("flow `{}`: {}", flow.flow_name, e.chain()))?;
        runners.push((flow.flow_name.clone(), source.clone(), runner));
    }
    Ok(runners)
}

/// The scheduler of the config's schedules, with their names, when there are any to serve.
#[cfg(feature = "schedule")]
fn scheduler(
    pool: &Arc<crate::Pool>,
    dir: &Path,
    coordination: Option<Coordination>,
) -> Result<Option<(Vec<String>, crate::schedule::Scheduler)>, String> {
    let schedules = crate::Pool::schedules(pool).map_err(|e| e.chain())?;
    if schedules.is_empty() {
        return Ok(None);
    }
    let Some(Coordination { postgres, instance }) = coordination else {
        return Err(format!(
            "`{}` has schedules; give the PostgreSQL that coordinates them with `--postgres URL`",
            dir.display()
        ));
    };
    let instance = instance.unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        format!("{}-{}", host.trim(), std::process::id())
    });
    let names = schedules.iter().map(|s| s.name().to_owned()).collect();
    let folded = schedules.into_iter().fold(
        crate::schedule::Scheduler::new(&postgres, &instance),
        crate::schedule::Scheduler::schedule,
    );
    Ok(Some((names, folded)))
}

/// Without feature `schedule` there are none.
#[cfg(not(feature = "schedule"))]
#[allow(clippy::unnecessary_wraps, reason = "the same shape as with schedules")]
fn scheduler(
    _pool: &Arc<crate::Pool>,
    _dir: &Path,
    _coordination: Option<Coordination>,
) -> Result<Option<(Vec<String>, Never)>, String> {
    Ok(None)
}

/// What a scheduler is without feature `schedule`: nothing that can exist.
#[cfg(not(feature = "schedule"))]
enum Never {}

#[cfg(not(feature = "schedule"))]
impl Never {
    #[allow(clippy::unused_async, reason = "stands in for Scheduler::run_until")]
    async fn run_until(self, _stop: impl Future<Output = ()>) -> crate::Result<()> {
        match self {}
    }
}

fn summary(report: &RunReport) -> String {
    format!(
        "{} received, {} acked, {} dead-lettered, {} left unacked",
        report.received, report.acked, report.dead_lettered, report.unacked
    )
}

/// SIGTERM or SIGINT.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            let ctrl_c = tokio::signal::ctrl_c();
            futures::pin_mut!(ctrl_c);
            let term = Box::pin(term.recv());
            let _ = futures::future::select(term, ctrl_c).await;
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `addrs` without the `user:password@` of a URL, for printing.
fn without_credentials(addrs: &str) -> std::borrow::Cow<'_, str> {
    match addrs.split_once("://") {
        Some((scheme, rest)) if rest.contains('@') => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{host}").into()
        }
        _ => addrs.into(),
    }
}
