//! Who may change things, and the record of everything they changed or tried to.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::html;

/// The name of the cookie the login form sets, so a browser sends the token with its forms.
pub(super) const COOKIE: &str = "kisflow_ui_token";
/// How many entries the Audit page keeps in memory (the file keeps them all).
const KEPT: usize = 1000;

/// One action, allowed or refused.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) at: String,
    pub(super) who: String,
    pub(super) what: String,
    pub(super) outcome: String,
}

/// The token that mutating requests must carry, and the audit log.
#[derive(Debug)]
pub(super) struct Guard {
    token: Option<String>,
    file: Option<PathBuf>,
    entries: Mutex<VecDeque<Entry>>,
}

impl Guard {
    pub(super) fn new(token: Option<String>, file: Option<PathBuf>) -> Self {
        Self {
            token: token.filter(|t| !t.is_empty()),
            file,
            entries: Mutex::default(),
        }
    }

    /// Whether `offered` is the token; no token given at start matches nothing.
    pub(super) fn matches(&self, offered: &str) -> bool {
        self.token
            .as_deref()
            .is_some_and(|token| same(token.as_bytes(), offered.as_bytes()))
    }

    /// Lets the request through when it carries the token (as `Authorization: Bearer`, the
    /// login cookie, or a `token` form field), naming who for the log; else a 403 page, and the
    /// refusal is logged too.
    pub(super) fn authorize(
        &self,
        headers: &HeaderMap,
        form_token: &str,
        peer: &str,
        what: &str,
    ) -> Result<String, Box<Response>> {
        let offered = bearer(headers)
            .map(str::to_owned)
            .or_else(|| cookie(headers).map(html::decode))
            .unwrap_or_else(|| form_token.to_owned());
        if self.matches(&offered) {
            return Ok(format!("token holder from {peer}"));
        }
        let message = if self.token.is_none() {
            "refused: this dashboard was started without a token, so it changes nothing; \
             start it with `--ui-token TOKEN` (or KISFLOW_UI_TOKEN) to allow actions"
        } else if offered.is_empty() {
            "refused: this action needs the dashboard's token; enter it on the Token page \
             (/login) or send `Authorization: Bearer TOKEN`"
        } else {
            "refused: the token given is not the dashboard's token; enter the one it was \
             started with on the Token page (/login)"
        };
        self.record(
            &format!("anonymous from {peer}"),
            what,
            "refused: no valid token",
        );
        Err(Box::new(html::notice(
            StatusCode::FORBIDDEN,
            "Refused",
            message,
        )))
    }

    /// Appends an entry to the log and to the audit file, if one was given.
    pub(super) fn record(&self, who: &str, what: &str, outcome: &str) {
        let entry = Entry {
            at: now_utc(),
            who: who.to_owned(),
            what: what.to_owned(),
            outcome: outcome.to_owned(),
        };
        if let Some(path) = &self.file {
            let line = serde_json::json!({
                "at": entry.at, "who": entry.who, "what": entry.what, "outcome": entry.outcome,
            });
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| writeln!(file, "{line}"));
            if let Err(err) = written {
                tracing::error!(file = %path.display(), error = %err, "audit log not written");
            }
        }
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() == KEPT {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The latest entries, newest first.
    pub(super) fn entries(&self) -> Vec<Entry> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.iter().rev().cloned().collect()
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// Compares in time that does not depend on where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Now as `YYYY-MM-DDTHH:MM:SSZ`, from the civil calendar (no time zone database needed).
pub(super) fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rest = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// The Audit page: the latest actions, newest first.
pub(super) async fn page(
    axum::extract::State(state): super::Shared,
) -> axum::response::Html<String> {
    let mut body = String::from(
        "<table data-testid=\"audit\"><tr><th>when (UTC)</th><th>who</th><th>what</th>\
         <th>outcome</th></tr>",
    );
    for entry in state.guard.entries() {
        let _ = write!(
            body,
            "<tr data-testid=\"audit-entry\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html::esc(&entry.at),
            html::esc(&entry.who),
            html::esc(&entry.what),
            html::esc(&entry.outcome)
        );
    }
    body.push_str("</table>");
    html::page("Audit log", "/audit", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_a_header_a_cookie_or_the_form() {
        let guard = Guard::new(Some("s3cret".into()), None);
        let mut headers = HeaderMap::new();
        assert!(guard.authorize(&headers, "", "peer", "x").is_err());
        assert!(guard.authorize(&headers, "wrong", "peer", "x").is_err());
        assert!(guard.authorize(&headers, "s3cret", "peer", "x").is_ok());
        headers.insert(
            header::COOKIE,
            "a=b; kisflow_ui_token=s3cret".parse().unwrap(),
        );
        assert!(guard.authorize(&headers, "", "peer", "x").is_ok());
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(guard.authorize(&headers, "", "peer", "x").is_ok());
        let refused = guard.entries();
        assert_eq!(refused.len(), 2);
        assert_eq!(refused[0].outcome, "refused: no valid token");
    }

    #[test]
    fn without_a_token_at_start_nothing_is_allowed() {
        let guard = Guard::new(None, None);
        assert!(!guard.matches(""));
        assert!(guard.authorize(&HeaderMap::new(), "", "peer", "x").is_err());
    }

    #[test]
    fn dates_are_civil() {
        let now = now_utc();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.starts_with("20") && now.ends_with('Z'), "{now}");
    }
}
