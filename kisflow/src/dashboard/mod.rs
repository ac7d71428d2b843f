//! The web dashboard, served by the worker itself (feature `dashboard`): the flows drawn as
//! graphs with live rows, errors and p99 per function; the sources with their rates and lag,
//! paused and resumed; the dead letters, read and replayed; the schedules with their run
//! history, triggered, paused and resumed; the loaded config with its problems; and an audit
//! log of every action.
//!
//! Pages are HTML rendered on the server, readable without JavaScript; the htmx script and its
//! server-sent events extension, compiled into the binary, refresh their live parts every half
//! second. Every request that changes something needs the token given with
//! [`Dashboard::with_token`], and is written to the audit log, refused or not.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use kisflow::dashboard::Dashboard;
//!
//! let dashboard = Dashboard::new().with_token("s3cret");
//! // Its own listener, on loopback…
//! let server = dashboard.serve("127.0.0.1:8080").await?;
//! println!("dashboard at http://{}", server.local_addr());
//! // …or mounted in a server of yours.
//! let app: axum::Router = Dashboard::new().router();
//! # Ok(())
//! # }
//! ```

mod assets;
mod audit;
mod config_page;
mod events;
mod flows;
mod graph;
mod html;
mod letters;
mod login;
mod rates;
mod schedules;
mod server;
mod sources;
mod stats;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::Pool;
use crate::source::{DeadLetterStore, RunnerHandle};

pub use server::DashboardServer;

/// A dashboard under construction: what it shows and who may act; [`router`](Self::router)
/// or [`serve`](Self::serve) make it live.
///
/// ```
/// use kisflow::dashboard::Dashboard;
///
/// let router: axum::Router = Dashboard::new()
///     .with_token("s3cret")
///     .with_audit_file(std::env::temp_dir().join("kisflow-audit.jsonl"))
///     .router();
/// # drop(router);
/// ```
#[derive(Debug, Default)]
pub struct Dashboard {
    pool: Option<Arc<Pool>>,
    config_dir: Option<PathBuf>,
    sources: Vec<SourceView>,
    #[cfg(feature = "schedule")]
    postgres: Option<String>,
    token: Option<String>,
    audit_file: Option<PathBuf>,
    metrics: Option<crate::Metrics>,
    remote: bool,
}

/// A running source as the dashboard shows it.
#[derive(Debug)]
pub(crate) struct SourceView {
    /// The flow it feeds.
    pub(crate) flow: String,
    /// `redis stream scores`, for people.
    pub(crate) describe: String,
    pub(crate) handle: RunnerHandle,
    /// Where its dead letters are read, or why they cannot be, as the page says it.
    pub(crate) letters: std::result::Result<DeadLetterStore, String>,
}

impl Dashboard {
    /// A dashboard of the registered flows, with no sources, schedules or token yet: it shows
    /// everything and changes nothing.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// This dashboard, showing the YAML flows of `pool` too.
    #[must_use]
    pub fn with_pool(mut self, pool: Arc<Pool>) -> Self {
        self.pool = Some(pool);
        self
    }

    /// This dashboard, showing the YAML files of `dir`, read again at each visit of the Config
    /// page, with every problem at its `file:line:column`.
    #[must_use]
    pub fn with_config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config_dir = Some(dir.into());
        self
    }

    /// This dashboard, showing the runner of `handle`, which feeds `flow` from `describe` (for
    /// people: `redis stream scores`), with its dead letters read from `letters`, such as
    /// [`DeadLetterStore::of`] the source's config gives. When that is an error, the Dead letters
    /// page says it as the reason they cannot be read (`Error::msg` for a source of yours that
    /// keeps none).
    #[must_use]
    pub fn with_source(
        mut self,
        flow: &str,
        describe: &str,
        handle: RunnerHandle,
        letters: crate::Result<DeadLetterStore>,
    ) -> Self {
        self.sources.push(SourceView {
            flow: flow.to_owned(),
            describe: describe.to_owned(),
            handle,
            letters: letters.map_err(|e| e.chain()),
        });
        self
    }

    /// This dashboard, showing the schedules coordinated in the PostgreSQL at `url` (feature
    /// `schedule`), with their run history.
    #[cfg(feature = "schedule")]
    #[must_use]
    pub fn with_schedules(mut self, url: &str) -> Self {
        self.postgres = Some(url.to_owned());
        self
    }

    /// This dashboard, allowing actions (replay, pause, resume, trigger) to requests that carry
    /// `token`: as `Authorization: Bearer TOKEN`, or the cookie the Token page sets.
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// This dashboard, appending each action to `path` as a JSON line (`at`, `who`, `what`,
    /// `outcome`) besides the Audit page.
    #[must_use]
    pub fn with_audit_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.audit_file = Some(path.into());
        self
    }

    /// This dashboard, reading the functions' rows, errors and durations from `metrics`
    /// instead of [`Metrics::global`](crate::Metrics::global).
    #[must_use]
    pub fn with_metrics(mut self, metrics: &crate::Metrics) -> Self {
        self.metrics = Some(metrics.clone());
        self
    }

    /// This dashboard, letting [`serve`](Self::serve) listen on an address other than loopback;
    /// put it behind something that encrypts, since the token travels as it is.
    #[must_use]
    pub fn allow_remote(mut self) -> Self {
        self.remote = true;
        self
    }

    /// The dashboard's pages as a router, to mount in a server of yours (`Router::merge` or
    /// `nest`); the remote address in its audit entries needs
    /// `into_make_service_with_connect_info::<SocketAddr>()`.
    pub fn router(self) -> Router {
        let state = Arc::new(State {
            pool: self.pool,
            config_dir: self.config_dir,
            sources: self.sources,
            #[cfg(feature = "schedule")]
            schedules: self.postgres.map(schedules::Schedules::new),
            guard: audit::Guard::new(self.token, self.audit_file),
            metrics: self
                .metrics
                .unwrap_or_else(|| crate::Metrics::global().clone()),
            rates: rates::Rates::default(),
        });
        Router::new()
            .route("/", get(flows::home))
            .route("/flows", get(flows::list))
            .route("/flows/{name}", get(flows::one))
            .route("/sources", get(sources::list))
            .route("/api/sources", get(sources::api))
            .route("/sources/{flow}/{action}", post(sources::act))
            .route("/letters", get(letters::list))
            .route("/letters/{flow}/replay", post(letters::replay))
            .route("/letters/{flow}/{id}", get(letters::one))
            .route("/schedules", get(schedules::list))
            .route("/schedules/runs/{run}", get(schedules::run))
            .route("/schedules/{name}/{action}", post(schedules::act))
            .route("/config", get(config_page::show))
            .route("/audit", get(audit::page))
            .route("/login", get(login::form).post(login::save))
            .route("/events", get(events::stream))
            .route("/assets/{file}", get(assets::serve))
            .with_state(state)
    }

    /// Serves [`router`](Self::router) on `addr` (`127.0.0.1:0` picks a free port) on the
    /// current tokio runtime, until the returned server is dropped. An address other than
    /// loopback is refused unless [`allow_remote`](Self::allow_remote) was called.
    pub async fn serve(self, addr: &str) -> std::io::Result<DashboardServer> {
        server::serve(self, addr).await
    }
}

/// What every page handler reads.
#[derive(Debug)]
pub(crate) struct State {
    pool: Option<Arc<Pool>>,
    config_dir: Option<PathBuf>,
    sources: Vec<SourceView>,
    #[cfg(feature = "schedule")]
    schedules: Option<schedules::Schedules>,
    guard: audit::Guard,
    metrics: crate::Metrics,
    rates: rates::Rates,
}

type Shared = axum::extract::State<Arc<State>>;

impl State {
    fn source(&self, flow: &str) -> Option<&SourceView> {
        self.sources.iter().find(|s| s.flow == flow)
    }

    /// Who sent a request that changes something, for the audit log, when it carries the token
    /// (in its headers or its `form`); else the 403 page to answer with, the refusal logged.
    fn authorize(
        &self,
        headers: &axum::http::HeaderMap,
        form: &[(String, String)],
        extensions: &axum::http::Extensions,
        what: &str,
    ) -> Result<String, Box<axum::response::Response>> {
        let token = html::first(form, "token");
        self.guard
            .authorize(headers, token, &peer(extensions), what)
    }
}

/// The remote address of a request, when the server recorded it.
fn peer(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(
            || "an unknown address".to_owned(),
            |info| info.0.to_string(),
        )
}
