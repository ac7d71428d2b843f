//! `serve --config DIR`: every enabled flow that names a `source` runs as a worker until SIGTERM
//! or SIGINT, with the global file's metrics listener.

use std::io::Write;
use std::path::Path;

use super::commands::{pool_to_run, text};
use crate::source::{RunReport, Runner};

pub(super) fn serve(dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), String> {
    let pool = pool_to_run(Some(dir))?;
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
    if runners.is_empty() {
        return Err(format!(
            "no enabled flow in `{}` names a `source`; add one to a flow file, such as \
             `source: {{type: redis, addrs: 127.0.0.1:6379, stream: S, group: G}}`",
            dir.display()
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        #[cfg(feature = "http")]
        let _metrics = match pool.init_metrics().await.map_err(|e| e.chain())? {
            Some(server) => {
                writeln!(out, "metrics at http://{}/metrics", server.local_addr()).map_err(text)?;
                Some(server)
            }
            None => None,
        };
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut running = tokio::task::JoinSet::new();
        for (name, source, runner) in runners {
            writeln!(
                out,
                "serving flow `{name}` from {} stream `{}` at {}, group `{}`",
                source.source_type, source.stream, source.addrs, source.group
            )
            .map_err(text)?;
            let mut stop = stop_rx.clone();
            running.spawn(async move {
                let stopped = async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                };
                (name, runner.run_until(stopped).await)
            });
        }
        out.flush().map_err(text)?;
        let signal = tokio::spawn(async move {
            stop_signal().await;
            let _ = stop_tx.send(true);
        });
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
        signal.abort();
        failed.map_or(Ok(()), Err)
    })
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
