//! The Schedules pages (feature `schedule`): each schedule's state and next firing, a grid of
//! its latest runs coloured by status, one run's error and record, and trigger, pause and
//! resume.

#[cfg(feature = "schedule")]
use std::fmt::Write;

use axum::extract::{Path, RawQuery, State as Extract};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

#[cfg(feature = "schedule")]
use super::html::esc;
use super::html::{self, url};
use super::{Shared, State};

/// How many of each schedule's latest runs the grid shows.
#[cfg(feature = "schedule")]
const GRID: i64 = 120;

/// The coordinating database, connected at the first visit.
#[cfg(feature = "schedule")]
#[derive(Debug)]
pub(super) struct Schedules {
    url: String,
    db: tokio::sync::OnceCell<crate::schedule::Coordinator>,
}

#[cfg(feature = "schedule")]
impl Schedules {
    pub(super) fn new(url: String) -> Self {
        Self {
            url,
            db: tokio::sync::OnceCell::new(),
        }
    }

    async fn db(&self) -> crate::Result<&crate::schedule::Coordinator> {
        self.db
            .get_or_try_init(|| crate::schedule::Coordinator::connect(&self.url))
            .await
    }
}

pub(super) async fn list(Extract(state): Shared, RawQuery(query): RawQuery) -> Html<String> {
    let query = html::pairs(query.as_deref().unwrap_or(""));
    let mut body = super::sources::done_notice(html::first(&query, "done"));
    body.push_str(&html::live("schedules", &table(&state).await));
    html::page("Schedules", "/schedules", &body)
}

/// The live part: the schedules, then each one's grid.
#[cfg(feature = "schedule")]
pub(super) async fn table(state: &State) -> String {
    let Some(schedules) = &state.schedules else {
        return NONE.to_owned();
    };
    let db = match schedules.db().await {
        Ok(db) => db,
        Err(err) => return format!("<p class=\"notice refused\">{}</p>", esc(&err.chain())),
    };
    let listed = match db.list().await {
        Ok(listed) => listed,
        Err(err) => return format!("<p class=\"notice refused\">{}</p>", esc(&err.chain())),
    };
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "–".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
    };
    let mut out = String::from(
        "<table data-testid=\"schedules\"><tr><th>schedule</th><th>status</th><th>next firing</th>\
         <th>last success</th><th></th></tr>",
    );
    for s in &listed {
        let name = esc(&s.name);
        let path = url(&s.name);
        let (status, toggle, label) = if s.paused {
            ("paused", "resume", "Resume")
        } else {
            ("active", "pause", "Pause")
        };
        let _ = write!(
            out,
            "<tr data-testid=\"schedule-{name}\"><td>{name}</td><td>{}</td>\
             <td data-testid=\"next-{name}\">{}</td><td>{}</td><td>\
             <form class=\"inline\" method=\"post\" action=\"/schedules/{path}/trigger\">\
             <button data-testid=\"trigger-{name}\">Trigger now</button></form> \
             <form class=\"inline\" method=\"post\" action=\"/schedules/{path}/{toggle}\">\
             <button data-testid=\"{toggle}-{name}\">{label}</button></form></td></tr>",
            html::badge(status, &format!("schedule-status-{}", s.name)),
            esc(&time(s.next_slot)),
            esc(&time(s.last_success)),
        );
    }
    out.push_str("</table>");
    for s in &listed {
        let runs = match db.recent(&s.name, GRID).await {
            Ok(runs) => runs,
            Err(err) => {
                let _ = write!(out, "<p class=\"notice refused\">{}</p>", esc(&err.chain()));
                continue;
            }
        };
        let _ = write!(
            out,
            "<h2>{} <small>latest {} runs, oldest first</small></h2><div class=\"grid\" \
             data-testid=\"grid-{}\">",
            esc(&s.name),
            runs.len(),
            esc(&s.name)
        );
        for run in &runs {
            let _ = write!(
                out,
                "<a href=\"/schedules/runs/{0}\" class=\"{1}\" data-testid=\"run\" \
                 data-status=\"{1}\" title=\"{2} · {1} · {3}\" aria-label=\"run {0}: {1}\"></a>",
                run.run,
                esc(&run.status),
                esc(&time(Some(run.slot))),
                esc(&run.fired),
            );
        }
        out.push_str("</div>");
    }
    out
}

#[cfg(not(feature = "schedule"))]
#[allow(clippy::unused_async, reason = "the same shape as with schedules")]
pub(super) async fn table(_state: &State) -> String {
    NONE.to_owned()
}

const NONE: &str = "<p data-testid=\"no-schedules\">No schedules here: serve a `kistype: \
                    schedule` file with `--postgres URL` to see them.</p>";

#[cfg(feature = "schedule")]
pub(super) async fn run(Extract(state): Shared, Path(run): Path<i64>) -> Response {
    let Some(schedules) = &state.schedules else {
        return html::notice(
            StatusCode::NOT_FOUND,
            "No schedules",
            "this dashboard shows no schedules",
        );
    };
    let found = match schedules.db().await {
        Ok(db) => db.run(run).await,
        Err(err) => Err(err),
    };
    let record = match found {
        Ok(Some(record)) => record,
        Ok(None) => {
            return html::notice(
                StatusCode::NOT_FOUND,
                "No such run",
                &format!("no run numbered {run}"),
            );
        }
        Err(err) => return html::notice(StatusCode::BAD_GATEWAY, "Cannot read", &err.chain()),
    };
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "–".to_owned(), |t| t.to_rfc3339())
    };
    let body = format!(
        "<table><tr><th>schedule</th><td>{}</td></tr><tr><th>slot</th><td>{}</td></tr>\
         <tr><th>fired by</th><td>{}</td></tr><tr><th>status</th><td>{}</td></tr>\
         <tr><th>attempts</th><td>{}</td></tr><tr><th>instance</th><td>{}</td></tr>\
         <tr><th>started</th><td>{}</td></tr><tr><th>finished</th><td>{}</td></tr>\
         <tr><th>rows</th><td>{}</td></tr></table><h2>Error</h2><pre data-testid=\"run-error\">{}</pre>\
         <h2>Log</h2><pre data-testid=\"run-log\">{}</pre>",
        esc(&record.schedule),
        esc(&time(Some(record.slot))),
        esc(&record.fired),
        html::badge(&record.status, "run-status"),
        record.attempt,
        esc(record.instance.as_deref().unwrap_or("–")),
        esc(&time(record.started_at)),
        esc(&time(record.finished_at)),
        record
            .rows
            .map_or_else(|| "–".to_owned(), |n| n.to_string()),
        esc(record.error.as_deref().unwrap_or("none")),
        esc(&record.to_json_line()),
    );
    html::page(&format!("Run {run}"), "/schedules", &body).into_response()
}

#[cfg(not(feature = "schedule"))]
#[allow(clippy::unused_async, reason = "the same shape as with schedules")]
pub(super) async fn run(Extract(_state): Shared, Path(_run): Path<i64>) -> Response {
    html::notice(
        StatusCode::NOT_FOUND,
        "No schedules",
        "this program is built without feature `schedule`",
    )
}

pub(super) async fn act(
    Extract(state): Shared,
    Path((name, action)): Path<(String, String)>,
    headers: HeaderMap,
    extensions: Extensions,
    body: String,
) -> Response {
    let what = format!("{action} schedule `{name}`");
    let form = html::pairs(&body);
    let who = match state.authorize(&headers, &form, &extensions, &what) {
        Ok(who) => who,
        Err(refused) => return *refused,
    };
    match control(&state, &name, &action).await {
        Ok(done) => {
            state.guard.record(&who, &what, &done);
            Redirect::to(&format!("/schedules?done={}", url(&done))).into_response()
        }
        Err(why) => {
            state.guard.record(&who, &what, &format!("failed: {why}"));
            html::notice(StatusCode::BAD_REQUEST, "Not done", &why)
        }
    }
}

#[cfg(feature = "schedule")]
async fn control(state: &State, name: &str, action: &str) -> Result<String, String> {
    let schedules = state
        .schedules
        .as_ref()
        .ok_or("this dashboard shows no schedules")?;
    let db = schedules.db().await.map_err(|e| e.chain())?;
    match action {
        "trigger" => db
            .trigger(name)
            .await
            .map(|run| format!("triggered `{name}`: run {run}")),
        "pause" => db.pause(name).await.map(|()| format!("paused `{name}`")),
        "resume" => db
            .resume(name)
            .await
            .map(|()| format!("resumed `{name}` from its next slot")),
        other => {
            return Err(format!(
                "`{other}` is not an action on a schedule; use trigger, pause or resume"
            ));
        }
    }
    .map_err(|e| e.chain())
}

#[cfg(not(feature = "schedule"))]
#[allow(clippy::unused_async, reason = "the same shape as with schedules")]
async fn control(_state: &State, _name: &str, _action: &str) -> Result<String, String> {
    Err("this program is built without feature `schedule`".to_owned())
}
