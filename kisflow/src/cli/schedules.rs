//! `schedules list|history|pause|resume|trigger --postgres URL`: the schedules' state and run
//! history in the coordinating database, and the controls every instance obeys.

use std::io::Write;

use super::SchedulesAction;
use super::commands::text;
use crate::schedule::{Coordinator, HistoryFilter};

pub(super) fn schedules(action: SchedulesAction, out: &mut dyn Write) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let db = Coordinator::connect(action.postgres())
            .await
            .map_err(|e| e.chain())?;
        match action {
            SchedulesAction::List { .. } => {
                for s in db.list().await.map_err(|e| e.chain())? {
                    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                        t.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339())
                    };
                    writeln!(
                        out,
                        "{}  {}  next slot {}  last success {}",
                        s.name,
                        if s.paused { "paused" } else { "active" },
                        time(s.next_slot),
                        time(s.last_success)
                    )
                    .map_err(text)?;
                }
            }
            SchedulesAction::History { schedule, json, .. } => {
                let filter = HistoryFilter { schedule };
                for run in db.history(&filter).await.map_err(|e| e.chain())? {
                    let line = if json {
                        run.to_json_line()
                    } else {
                        run.to_text_line()
                    };
                    writeln!(out, "{line}").map_err(text)?;
                }
            }
            SchedulesAction::Pause { name, .. } => {
                db.pause(&name).await.map_err(|e| e.chain())?;
                writeln!(out, "paused `{name}`").map_err(text)?;
            }
            SchedulesAction::Resume { name, .. } => {
                db.resume(&name).await.map_err(|e| e.chain())?;
                writeln!(out, "resumed `{name}` from its next slot").map_err(text)?;
            }
            SchedulesAction::Trigger { name, .. } => {
                let run = db.trigger(&name).await.map_err(|e| e.chain())?;
                writeln!(out, "triggered `{name}`: run {run}").map_err(text)?;
            }
        }
        Ok(())
    })
}
