//! The script, its extension and the style sheet, compiled into the binary: the dashboard
//! needs no CDN and no Node at run time.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// htmx 2.0.11 (0BSD, `assets/LICENSE-htmx`), as published on npm.
const HTMX: &[u8] = include_bytes!("assets/htmx-2.0.11.min.js");
/// htmx's server-sent events extension 2.2.4 (0BSD), as published on npm.
const SSE: &[u8] = include_bytes!("assets/htmx-ext-sse-2.2.4.min.js");
const STYLE: &[u8] = include_bytes!("assets/style.css");

pub(super) async fn serve(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript"),
        "sse.min.js" => (SSE, "text/javascript"),
        "style.css" => (STYLE, "text/css"),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
