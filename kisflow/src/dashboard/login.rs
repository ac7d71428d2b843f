//! The Token page: a browser gives the dashboard's token once, and its forms carry it as a
//! cookie from then on (`SameSite=Strict`, so no other site's page can post with it).

use super::{audit, html};

/// The Token page: a form that keeps the token in a cookie of this browser.
pub(super) async fn form() -> axum::response::Html<String> {
    html::page(
        "Token",
        "",
        "<p>Actions (replay, pause, resume, trigger) need the token the dashboard was started \
         with. It is kept in a cookie of this browser, sent to this dashboard only.</p>\
         <form method=\"post\" action=\"/login\"><input type=\"password\" name=\"token\" \
         data-testid=\"token-input\" autocomplete=\"off\"> <button data-testid=\"token-save\">\
         Use this token</button></form>",
    )
}

/// Keeps the token in a cookie when it is the dashboard's; refuses it, and logs that, when not.
pub(super) async fn save(
    axum::extract::State(state): super::Shared,
    extensions: axum::http::Extensions,
    body: String,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let form = html::pairs(&body);
    let token = html::first(&form, "token");
    if !state.guard.matches(token) {
        state.guard.record(
            &format!("anonymous from {}", super::peer(&extensions)),
            "log in",
            "refused: wrong token",
        );
        return html::notice(
            axum::http::StatusCode::FORBIDDEN,
            "Refused",
            "refused: that is not the token this dashboard was started with",
        );
    }
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict",
        audit::COOKIE,
        html::url(token)
    );
    (
        [(axum::http::header::SET_COOKIE, cookie)],
        html::page(
            "Token",
            "",
            "<p class=\"notice\" data-testid=\"notice\">token saved: actions are allowed from \
             this browser</p>",
        ),
    )
        .into_response()
}
