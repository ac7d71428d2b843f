//! The Dead letters pages: the letters of each source that keeps them, filtered; one letter
//! with its payload and error chain; replay of one or a selection, confirmed after a dry run.

use std::fmt::Write;

use axum::extract::{Path, RawQuery, State as Extract};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::html::{self, esc, url};
use super::{Shared, State};
use crate::source::DeadLetterStore;
use crate::source::StoredLetter;

/// The most letters a list reads from one store.
const READ: usize = 500;

pub(super) async fn list(Extract(state): Shared, RawQuery(query): RawQuery) -> Html<String> {
    let query = html::pairs(query.as_deref().unwrap_or(""));
    let (flow, function, kind, text) = (
        html::first(&query, "flow"),
        html::first(&query, "function"),
        html::first(&query, "kind"),
        html::first(&query, "q"),
    );
    let mut body = format!(
        "<form method=\"get\" action=\"/letters\" data-testid=\"letter-filters\">\
         flow <input name=\"flow\" value=\"{}\" size=\"14\"> function <input name=\"function\" \
         value=\"{}\" size=\"14\"> kind <input name=\"kind\" value=\"{}\" size=\"8\"> error or \
         payload contains <input name=\"q\" value=\"{}\" size=\"16\"> <button>Filter</button></form>",
        esc(flow),
        esc(function),
        esc(kind),
        esc(text)
    );
    if state.sources.is_empty() {
        body.push_str("<p data-testid=\"no-letters\">No source runs in this process.</p>");
    }
    for source in state
        .sources
        .iter()
        .filter(|s| flow.is_empty() || s.flow == flow)
    {
        let store = match &source.letters {
            Ok(store) => store,
            Err(why) => {
                let _ = write!(
                    body,
                    "<p class=\"notice\" data-testid=\"no-letters\">{}: {}</p>",
                    esc(&source.flow),
                    esc(why)
                );
                continue;
            }
        };
        let letters = match store.list(READ).await {
            Ok(letters) => letters,
            Err(err) => {
                let _ = write!(
                    body,
                    "<p class=\"notice refused\">{}: {}</p>",
                    esc(&source.flow),
                    esc(&err.chain())
                );
                continue;
            }
        };
        let shown: Vec<&StoredLetter> = letters
            .iter()
            .filter(|l| function.is_empty() || l.function == function)
            .filter(|l| kind.is_empty() || l.kind.eq_ignore_ascii_case(kind))
            .filter(|l| {
                text.is_empty()
                    || l.error.contains(text)
                    || String::from_utf8_lossy(&l.payload).contains(text)
            })
            .collect();
        let flow_id = esc(&source.flow);
        let _ = write!(
            body,
            "<h2>{flow_id} <small>({} of {} letters in {})</small></h2>\
             <form method=\"post\" action=\"/letters/{}/replay\"><table data-testid=\"letters-{flow_id}\">\
             <tr><th></th><th>letter</th><th>message</th><th>function</th><th>kind</th>\
             <th>attempts</th><th>replays</th><th>error</th></tr>",
            shown.len(),
            letters.len(),
            esc(store.place()),
            url(&source.flow),
        );
        for letter in shown {
            let id = esc(&letter.id);
            let _ = write!(
                body,
                "<tr data-testid=\"letter\"><td><input type=\"checkbox\" name=\"id\" value=\"{id}\" \
                 data-testid=\"select-{id}\"></td><td><a href=\"/letters/{}/{}\" \
                 data-testid=\"letter-link\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                url(&source.flow),
                url(&letter.id),
                esc(&letter.source_id),
                esc(&letter.function),
                esc(&letter.kind),
                letter.attempts,
                letter.replays,
                esc(&letter.error),
            );
        }
        body.push_str(
            "</table><p><button data-testid=\"replay-selected\">Replay selected…</button> \
             (you confirm after seeing what would be replayed)</p></form>",
        );
    }
    html::page("Dead letters", "/letters", &body)
}

pub(super) async fn one(
    Extract(state): Shared,
    Path((flow, id)): Path<(String, String)>,
) -> Response {
    let store = match store_of(&state, &flow) {
        Ok(store) => store,
        Err(page) => return *page,
    };
    let letter = match store.get(&id).await {
        Ok(Some(letter)) => letter,
        Ok(None) => {
            let message = format!(
                "`{}` holds no dead letter `{id}`; it may have been replayed",
                store.place()
            );
            return html::notice(StatusCode::NOT_FOUND, "No such letter", &message);
        }
        Err(err) => return html::notice(StatusCode::BAD_GATEWAY, "Cannot read", &err.chain()),
    };
    let payload = String::from_utf8(letter.payload.clone())
        .unwrap_or_else(|_| format!("{:?} (not UTF-8)", letter.payload));
    let mut chain = String::new();
    for cause in letter.error.split(": ") {
        let _ = write!(chain, "<li>{}</li>", esc(cause));
    }
    let body = format!(
        "<table><tr><th>flow</th><td>{}</td></tr><tr><th>message id</th><td>{}</td></tr>\
         <tr><th>function</th><td>{}</td></tr><tr><th>kind</th><td data-testid=\"letter-kind\">{}</td></tr>\
         <tr><th>attempts</th><td>{}</td></tr><tr><th>replays</th><td>{}</td></tr></table>\
         <h2>Payload</h2><pre data-testid=\"letter-payload\">{}</pre>\
         <h2>Error chain</h2><ol data-testid=\"letter-error\">{chain}</ol>\
         <form method=\"post\" action=\"/letters/{}/replay\"><input type=\"hidden\" name=\"id\" \
         value=\"{}\"><button data-testid=\"replay-one\">Replay this letter…</button></form>",
        esc(&letter.flow),
        esc(&letter.source_id),
        esc(&letter.function),
        esc(&letter.kind),
        letter.attempts,
        letter.replays,
        esc(&payload),
        url(&flow),
        esc(&letter.id),
    );
    html::page(&format!("Dead letter {id}"), "/letters", &body).into_response()
}

pub(super) async fn replay(
    Extract(state): Shared,
    Path(flow): Path<String>,
    headers: HeaderMap,
    extensions: Extensions,
    body: String,
) -> Response {
    let form = html::pairs(&body);
    let ids: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .collect();
    let confirmed = html::first(&form, "confirm") == "yes";
    let what = format!(
        "{} {} dead letters of flow `{flow}`: {}",
        if confirmed {
            "replay"
        } else {
            "dry-run replay of"
        },
        ids.len(),
        ids.join(", ")
    );
    let who = match state.authorize(&headers, &form, &extensions, &what) {
        Ok(who) => who,
        Err(refused) => return *refused,
    };
    let store = match store_of(&state, &flow) {
        Ok(store) => store,
        Err(page) => return *page,
    };
    if ids.is_empty() {
        return html::notice(
            StatusCode::BAD_REQUEST,
            "Nothing selected",
            "select at least one letter to replay",
        );
    }
    let report = match store.replay(&ids, ids.len(), !confirmed).await {
        Ok(report) => report,
        Err(err) => {
            state
                .guard
                .record(&who, &what, &format!("failed: {}", err.chain()));
            return html::notice(StatusCode::BAD_REQUEST, "Replay failed", &err.chain());
        }
    };
    let outcome = format!(
        "{} {}, {} kept",
        if confirmed {
            "replayed"
        } else {
            "would replay"
        },
        report.replayed.len(),
        report.kept.len()
    );
    state.guard.record(&who, &what, &outcome);
    let page = result(&flow, store.stream(), &report, confirmed);
    let title = if confirmed {
        "Replay done"
    } else {
        "Confirm the replay"
    };
    html::page(title, "/letters", &page).into_response()
}

/// What a replay did, or would do with a form to confirm it.
fn result(
    flow: &str,
    stream: &str,
    report: &crate::source::ReplayReport,
    confirmed: bool,
) -> String {
    let mut page = String::new();
    let verb = if confirmed {
        "Replayed"
    } else {
        "Would replay"
    };
    let _ = write!(
        page,
        "<p class=\"notice\" data-testid=\"replay-result\">{verb} {} to `{}`, {} kept</p><ul>",
        report.replayed.len(),
        esc(stream),
        report.kept.len()
    );
    for id in &report.replayed {
        let _ = write!(page, "<li>{} {}</li>", verb.to_lowercase(), esc(id));
    }
    for (id, why) in &report.kept {
        let _ = write!(page, "<li>kept {}: {}</li>", esc(id), esc(why));
    }
    page.push_str("</ul>");
    if confirmed {
        page.push_str("<p><a href=\"/letters\">Back to the dead letters</a></p>");
    } else if !report.replayed.is_empty() {
        let _ = write!(
            page,
            "<form method=\"post\" action=\"/letters/{}/replay\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">",
            url(flow)
        );
        for id in &report.replayed {
            let _ = write!(
                page,
                "<input type=\"hidden\" name=\"id\" value=\"{}\">",
                esc(id)
            );
        }
        page.push_str("<button data-testid=\"replay-confirm\">Confirm: replay them</button> <a href=\"/letters\">Cancel</a></form>");
    }
    page
}

/// The dead letters of the source of `flow`, or the page that says why there are none to read.
fn store_of<'a>(state: &'a State, flow: &str) -> Result<&'a DeadLetterStore, Box<Response>> {
    let refused = |message: String| {
        Box::new(html::notice(
            StatusCode::NOT_FOUND,
            "No dead letters",
            &message,
        ))
    };
    match state.source(flow).map(|s| &s.letters) {
        Some(Ok(store)) => Ok(store),
        Some(Err(why)) => Err(refused(format!("flow `{flow}`: {why}"))),
        None => Err(refused(format!(
            "no source feeds a flow named `{flow}` in this process"
        ))),
    }
}

#[cfg(test)]
mod tests;
