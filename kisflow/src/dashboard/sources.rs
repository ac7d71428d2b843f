//! The Sources page: each running source with its counts, rates and lag, and pause and
//! resume of its consumption.

use std::fmt::Write;

use axum::extract::{Path, RawQuery, State as Extract};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::html::{self, esc, url};
use super::rates::PerSecond;
use super::{Shared, SourceView, State};
use crate::source::{Lag, RunReport};

/// How long a page waits for a source to tell its lag.
const LAG_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

pub(super) async fn list(Extract(state): Shared, RawQuery(query): RawQuery) -> Html<String> {
    let query = html::pairs(query.as_deref().unwrap_or(""));
    let mut body = done_notice(html::first(&query, "done"));
    body.push_str(&html::live("sources", &table(&state).await));
    html::page("Sources", "/sources", &body)
}

/// A notice of what the last action did, carried over its redirect.
pub(super) fn done_notice(done: &str) -> String {
    if done.is_empty() {
        return String::new();
    }
    format!(
        "<p class=\"notice\" data-testid=\"notice\">{}</p>",
        esc(done)
    )
}

/// The live part: one row per source.
pub(super) async fn table(state: &State) -> String {
    if state.sources.is_empty() {
        return "<p data-testid=\"no-sources\">No source runs in this process: add a `source` \
                to a flow file to run it as a worker.</p>"
            .to_owned();
    }
    let mut out = String::from(
        "<table data-testid=\"sources\"><tr><th>flow</th><th>source</th><th>status</th>\
         <th>received</th><th>acked</th><th>dead-lettered</th><th>lag (messages)</th>\
         <th>lag (seconds)</th><th></th></tr>",
    );
    for row in rows(state).await {
        let (source, report, rates) = (row.source, row.report, row.rates);
        let (lag_messages, lag_seconds) = match &row.lag {
            Ok(Some(lag)) => (lag.messages.to_string(), format!("{:.1}", lag.seconds)),
            Ok(None) => ("n/a".to_owned(), "n/a".to_owned()),
            Err(why) => (format!("unknown: {why}"), "unknown".to_owned()),
        };
        let paused = source.handle.is_paused();
        let (status, action, label) = if paused {
            ("paused", "resume", "Resume")
        } else {
            ("running", "pause", "Pause")
        };
        let flow = esc(&source.flow);
        let _ = write!(
            out,
            "<tr data-testid=\"source-{flow}\"><td><a href=\"/flows/{path}\">{flow}</a></td>\
             <td>{describe}</td><td>{badge}</td>\
             <td class=\"num\"><span data-testid=\"received-{flow}\">{}</span> \
             (<span data-testid=\"received-rate-{flow}\">{:.1}</span>/s)</td>\
             <td class=\"num\"><span data-testid=\"acked-{flow}\">{}</span> \
             (<span data-testid=\"acked-rate-{flow}\">{:.1}</span>/s)</td>\
             <td class=\"num\"><span data-testid=\"dead-{flow}\">{}</span> \
             (<span data-testid=\"dead-rate-{flow}\">{:.1}</span>/s)</td>\
             <td class=\"num\" data-testid=\"lag-messages-{flow}\">{}</td>\
             <td class=\"num\" data-testid=\"lag-seconds-{flow}\">{}</td>\
             <td><form class=\"inline\" method=\"post\" action=\"/sources/{path}/{action}\">\
             <button data-testid=\"{action}-{flow}\">{label}</button></form></td></tr>",
            report.received,
            rates.received,
            report.acked,
            rates.acked,
            report.dead_lettered,
            rates.dead_lettered,
            esc(&lag_messages),
            esc(&lag_seconds),
            path = url(&source.flow),
            describe = esc(&source.describe),
            badge = html::badge(status, &format!("source-status-{}", source.flow)),
        );
    }
    out.push_str("</table>");
    out
}

/// One source as the page and `/api/sources` show it.
struct Row<'a> {
    source: &'a SourceView,
    report: RunReport,
    rates: PerSecond,
    /// Its lag, `None` when its backend cannot tell, or why it is unknown.
    lag: Result<Option<Lag>, String>,
}

async fn rows(state: &State) -> Vec<Row<'_>> {
    let mut rows = Vec::with_capacity(state.sources.len());
    for source in &state.sources {
        let report = source.handle.report();
        let rates = state.rates.observe(&source.flow, report);
        // A source that does not answer must not hold the page: its lag is then unknown.
        let lag = match tokio::time::timeout(LAG_WAIT, source.handle.lag()).await {
            Ok(lag) => lag.map_err(|err| err.chain()),
            Err(_) => Err("the source did not answer in time".to_owned()),
        };
        rows.push(Row {
            source,
            report,
            rates,
            lag,
        });
    }
    rows
}

/// `GET /api/sources`: the Sources page as JSON, one object per source, for scripts and
/// monitors.
pub(super) async fn api(Extract(state): Shared) -> Response {
    let sources: Vec<serde_json::Value> = rows(&state)
        .await
        .iter()
        .map(|row| {
            let (lag_messages, lag_seconds, lag_error) = match &row.lag {
                Ok(Some(lag)) => (Some(lag.messages), Some(lag.seconds), None),
                Ok(None) => (None, None, None),
                Err(why) => (None, None, Some(why.as_str())),
            };
            serde_json::json!({
                "flow": row.source.flow,
                "source": row.source.describe,
                "paused": row.source.handle.is_paused(),
                "received": row.report.received,
                "acked": row.report.acked,
                "dead_lettered": row.report.dead_lettered,
                "retried": row.report.retried,
                "unacked": row.report.unacked,
                "received_per_second": row.rates.received,
                "acked_per_second": row.rates.acked,
                "dead_lettered_per_second": row.rates.dead_lettered,
                "lag_messages": lag_messages,
                "lag_seconds": lag_seconds,
                "lag_error": lag_error,
            })
        })
        .collect();
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::Value::from(sources).to_string(),
    )
        .into_response()
}

pub(super) async fn act(
    Extract(state): Shared,
    Path((flow, action)): Path<(String, String)>,
    headers: HeaderMap,
    extensions: Extensions,
    body: String,
) -> Response {
    let what = format!("{action} source of flow `{flow}`");
    let form = html::pairs(&body);
    let who = match state.authorize(&headers, &form, &extensions, &what) {
        Ok(who) => who,
        Err(refused) => return *refused,
    };
    let Some(source) = state.source(&flow) else {
        state.guard.record(&who, &what, "failed: no such source");
        let message = format!("no source feeds a flow named `{flow}` in this process");
        return html::notice(StatusCode::NOT_FOUND, "No such source", &message);
    };
    let done = match action.as_str() {
        "pause" => {
            source.handle.pause();
            format!(
                "paused `{flow}`: batches in flight finish and are acked, then nothing is fetched"
            )
        }
        "resume" => {
            source.handle.resume();
            format!("resumed `{flow}`: it fetches again from where it stopped")
        }
        _ => {
            let message = format!("`{action}` is not an action on a source; use pause or resume");
            return html::notice(StatusCode::NOT_FOUND, "No such action", &message);
        }
    };
    state.guard.record(&who, &what, "done");
    Redirect::to(&format!("/sources?done={}", url(&done))).into_response()
}
