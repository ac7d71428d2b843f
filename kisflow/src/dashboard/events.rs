//! `/events?view=…`: the live part of a page, rendered again every half second and pushed as
//! a server-sent event named `live`, which htmx swaps in.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State as Extract};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;

use super::{Shared, State, flows, html, schedules, sources};

/// How often a view is pushed: twice a second, so a change shows within a second.
const EVERY: Duration = Duration::from_millis(500);

pub(super) async fn stream(
    Extract(state): Shared,
    RawQuery(query): RawQuery,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let query = html::pairs(query.as_deref().unwrap_or(""));
    let view = html::first(&query, "view").to_owned();
    let ticks = futures::stream::unfold((state, view, false), |(state, view, waited)| async move {
        if waited {
            tokio::time::sleep(EVERY).await;
        }
        let fragment = render(&state, &view).await;
        Some((
            Ok(Event::default().event("live").data(fragment)),
            (state, view, true),
        ))
    });
    Sse::new(ticks).keep_alive(KeepAlive::default())
}

/// The live part of `view`: `flows`, `flow:NAME`, `sources` or `schedules`.
pub(super) async fn render(state: &Arc<State>, view: &str) -> String {
    match view {
        "flows" => flows::table(state),
        "sources" => sources::table(state).await,
        "schedules" => schedules::table(state).await,
        _ => match view.strip_prefix("flow:") {
            Some(name) => flows::shapes(state)
                .into_iter()
                .find(|s| s.name == name)
                .map_or_else(
                    || format!("no flow named `{}`", html::esc(name)),
                    |shape| flows::graph_and_table(state, &shape),
                ),
            None => format!("no live view `{}`", html::esc(view)),
        },
    }
}
