//! The pages' frame and HTML escaping: every text that comes from a flow, a letter or the
//! database passes through [`esc`] before it reaches a page.

use std::fmt::Write;

use axum::response::{Html, IntoResponse, Response};

/// `text` with the five characters HTML gives meaning to replaced by entities; safe in element
/// content and in quoted attribute values.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` for a URL's path segment or query value: everything but unreserved characters
/// percent-encoded.
pub(super) fn url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The pages of the navigation bar: path and title.
const NAV: [(&str, &str); 6] = [
    ("/flows", "Flows"),
    ("/sources", "Sources"),
    ("/letters", "Dead letters"),
    ("/schedules", "Schedules"),
    ("/config", "Config"),
    ("/audit", "Audit"),
];

/// A whole page: `body` under the navigation bar, with `active` (a path of [`NAV`]) marked.
pub(super) fn page(title: &str, active: &str, body: &str) -> Html<String> {
    let mut nav = String::new();
    for (path, name) in NAV {
        let on = if path == active { " class=\"on\"" } else { "" };
        let id = &path[1..];
        let _ = write!(
            nav,
            "<a href=\"{path}\"{on} data-testid=\"nav-{id}\">{name}</a>"
        );
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · kisflow</title><link rel=\"stylesheet\" href=\"/assets/style.css\">\
         <script src=\"/assets/htmx.min.js\" defer></script>\
         <script src=\"/assets/sse.min.js\" defer></script></head>\
         <body><header><span class=\"brand\">kisflow</span>{nav}\
         <a href=\"/login\" style=\"margin-left:auto\" data-testid=\"nav-login\">Token</a></header>\
         <main><h1>{}</h1>{body}</main></body></html>",
        esc(title),
        esc(title)
    ))
}

/// `inner` as the part of a page that the server replaces every half second over server-sent
/// events (`view` names what `/events` renders); readable as it is without JavaScript.
pub(super) fn live(view: &str, inner: &str) -> String {
    format!(
        "<div hx-ext=\"sse\" sse-connect=\"/events?view={}\" sse-swap=\"live\" \
         data-testid=\"live\">{inner}</div>",
        esc(&url(view))
    )
}

/// A page with one notice, at `status`: a refusal, a missing thing, a failed action.
pub(super) fn notice(status: axum::http::StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<p class=\"notice refused\" data-testid=\"notice\">{}</p>",
        esc(message)
    );
    (status, page(title, "", &body)).into_response()
}

/// A `<span>` badge whose class colours `status`.
pub(super) fn badge(status: &str, testid: &str) -> String {
    format!(
        "<span class=\"badge {0}\" data-testid=\"{1}\">{0}</span>",
        esc(status),
        esc(testid)
    )
}

/// The pairs of a query string or a form body (`a=1&b=x+y`), decoded; a key may repeat.
pub(super) fn pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

/// The first value of `key` among `pairs`, or "".
pub(super) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// `text` with `+` and `%XX` decoded, as forms and cookies carry it.
pub(super) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_decodes_forms() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(url("a b/é"), "a%20b%2F%C3%A9");
        let got = pairs("id=1-0&id=2-0&q=a+b%21&bad=%zz&end=%4");
        assert_eq!(first(&got, "q"), "a b!");
        assert_eq!(first(&got, "bad"), "%zz");
        assert_eq!(first(&got, "end"), "%4");
        assert_eq!(got.iter().filter(|(k, _)| k == "id").count(), 2);
    }
}
