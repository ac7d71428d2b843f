//! Prometheus metrics: Go KisFlow's six series plus per-function row and error counts, in a
//! registry you own or in the process-wide default.

mod cells;
pub(crate) mod clock;
mod handles;
mod histogram;
#[cfg(feature = "schedule")]
pub(crate) mod schedule;
#[cfg(feature = "http")]
mod serve;
mod sorted;
pub(crate) mod source;
mod tally;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

pub(crate) use handles::{FlowMetrics, StageMetrics};
use histogram::DurationHistogram;
#[cfg(feature = "http")]
pub use serve::MetricsServer;
use tally::Tally;

/// Labels of a series: `flow_name`, or `func_name` and `func_mode`.
type Labels = Vec<(&'static str, String)>;

/// Go KisFlow's function-duration buckets, in milliseconds.
const FUNC_BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.03, 0.08, 0.1, 0.5, 1.0, 5.0, 10.0, 100.0, 1000.0, 5000.0, 30000.0,
];
/// Go KisFlow's flow-duration buckets, in milliseconds: the function buckets and one minute.
const FLOW_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.03, 0.08, 0.1, 0.5, 1.0, 5.0, 10.0, 100.0, 1000.0, 5000.0, 30000.0, 60000.0,
];

/// A metrics registry that flows record into, and that encodes as OpenMetrics text.
///
/// The series keep Go KisFlow's names and labels, so its dashboards keep working, with one
/// difference OpenMetrics imposes: counters end in `_total`, so Go's gauges `flow_schedule_cnts`
/// and `func_schedule_cnts` are read as `flow_schedule_cnts_total` and `func_schedule_cnts_total`.
///
/// | series | type | labels |
/// |---|---|---|
/// | `kisflow_data_total` | counter | |
/// | `flow_data_total` | counter | `flow_name` |
/// | `flow_schedule_cnts_total` | counter | `flow_name` |
/// | `func_schedule_cnts_total` | counter | `func_name`, `func_mode` |
/// | `func_run_duration` | histogram, ms | `func_name`, `func_mode` |
/// | `flow_run_duration` | histogram, ms | `flow_name` |
/// | `func_rows_in_total`, `func_rows_out_total`, `func_errors_total` | counter | `func_name`, `func_mode` |
/// | `flow_failed_runs_total` | counter | `flow_name` |
/// | `schedule_runs_total` (feature `schedule`) | counter | `schedule`, `status` |
/// | `schedule_lateness`, `schedule_run_duration` (feature `schedule`) | histogram, ms | `schedule` |
///
/// Durations are recorded for failed runs too.
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Expand")]
/// fn print(rows: Vec<i64>) {
///     println!("{rows:?}");
/// }
/// flow!(Printer: print);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let metrics = kisflow::Metrics::new();
/// let mut flow = Printer::new().with_metrics(&metrics);
/// flow.commit_batch([1, 2])?;
/// flow.run().await?;
/// let text = metrics.encode();
/// assert!(text.contains("flow_schedule_cnts_total{flow_name=\"Printer\"} 1"));
/// assert!(text.contains("kisflow_data_total 2"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    families: Families,
}

/// The metric families; cheap to clone, since every metric is shared.
#[derive(Clone)]
pub(crate) struct Families {
    data: Tally,
    flow_data: Family<Labels, Tally>,
    flow_schedule: Family<Labels, Tally>,
    flow_duration: Family<Labels, DurationHistogram, fn() -> DurationHistogram>,
    flow_failed: Family<Labels, Tally>,
    func_schedule: Family<Labels, Tally>,
    func_duration: Family<Labels, DurationHistogram, fn() -> DurationHistogram>,
    func_rows_in: Family<Labels, Tally>,
    func_rows_out: Family<Labels, Tally>,
    func_errors: Family<Labels, Tally>,
    source: source::SourceFamilies,
    #[cfg(feature = "schedule")]
    pub(crate) schedule: schedule::ScheduleFamilies,
}

impl Metrics {
    /// A fresh registry with every series registered and no samples.
    #[must_use]
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let families = Families {
            source: source::SourceFamilies::register(&mut registry),
            #[cfg(feature = "schedule")]
            schedule: schedule::ScheduleFamilies::register(&mut registry),
            data: Tally::default(),
            flow_data: Family::default(),
            flow_schedule: Family::default(),
            flow_duration: Family::new_with_constructor(|| DurationHistogram::new(&FLOW_BUCKETS)),
            flow_failed: Family::default(),
            func_schedule: Family::default(),
            func_duration: Family::new_with_constructor(|| DurationHistogram::new(&FUNC_BUCKETS)),
            func_rows_in: Family::default(),
            func_rows_out: Family::default(),
            func_errors: Family::default(),
        };
        let f = families.clone();
        registry.register(
            "kisflow_data",
            "Total data volume of all KisFlow Flows",
            f.data,
        );
        registry.register(
            "flow_data",
            "Total data volume of each KisFlow FlowID data stream",
            f.flow_data,
        );
        registry.register(
            "flow_schedule_cnts",
            "Number of times each KisFlow FlowID is scheduled",
            f.flow_schedule,
        );
        registry.register("flow_run_duration", "Flow execution time", f.flow_duration);
        registry.register(
            "flow_failed_runs",
            "Number of runs of each flow that ended with an error",
            f.flow_failed,
        );
        registry.register(
            "func_schedule_cnts",
            "Number of times each KisFlow Function is scheduled",
            f.func_schedule,
        );
        registry.register(
            "func_run_duration",
            "Function execution time",
            f.func_duration,
        );
        registry.register(
            "func_rows_in",
            "Rows each function received",
            f.func_rows_in,
        );
        registry.register(
            "func_rows_out",
            "Rows each function emitted",
            f.func_rows_out,
        );
        registry.register(
            "func_errors",
            "Calls of each function that returned an error or panicked",
            f.func_errors,
        );
        Self {
            inner: Arc::new(Inner { registry, families }),
        }
    }

    /// The process-wide registry that flows record into when [`set_enabled`] is on.
    #[must_use]
    pub fn global() -> &'static Metrics {
        static GLOBAL: OnceLock<Metrics> = OnceLock::new();
        GLOBAL.get_or_init(Metrics::new)
    }

    /// Every series as OpenMetrics text, for a `/metrics` endpoint of your own.
    ///
    /// # Panics
    ///
    /// Never: writing into a `String` cannot fail.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.inner.registry)
            .expect("encoding into a String never fails");
        sorted::sort_series(&text)
    }

    /// Serves [`encode`](Self::encode) at `GET /metrics` on `addr` (`"127.0.0.1:0"` picks a free
    /// port), on the current tokio runtime, until the returned server is dropped or shut down.
    /// Needs the `http` feature.
    #[cfg(feature = "http")]
    pub async fn serve(&self, addr: &str) -> std::io::Result<MetricsServer> {
        MetricsServer::start(self.clone(), addr).await
    }

    pub(crate) fn families(&self) -> &Families {
        &self.inner.families
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Go KisFlow's `prometheus_enable`: when on, flows made with `new()` record into
/// [`Metrics::global`]. Off by default; a flow given its own registry with
/// [`Flow::with_metrics`](crate::Flow::with_metrics) records either way.
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether [`set_enabled`] is on.
#[must_use]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Go KisFlow's global metrics keys: `prometheus_enable`, `prometheus_listen`, `prometheus_serve`,
/// as a `kistype: global` file gives them, or built in code for [`init`] (feature `http`).
///
/// ```
/// use kisflow::metrics::MetricsConfig;
///
/// let config = MetricsConfig {
///     prometheus_enable: true,
///     prometheus_listen: false,
///     prometheus_serve: "127.0.0.1:20004".to_owned(),
/// };
/// assert!(config.prometheus_enable && !config.prometheus_listen);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsConfig {
    /// Record metrics of flows made with `new()` into [`Metrics::global`].
    pub prometheus_enable: bool,
    /// Serve `/metrics` from kisflow's own listener.
    pub prometheus_listen: bool,
    /// Where the listener binds, such as `"0.0.0.0:20004"`.
    pub prometheus_serve: String,
}

/// Applies a [`MetricsConfig`], as Go's `metrics.RunMetrics()` does: switches recording on or off
/// and, with `prometheus_listen`, serves the global registry. Unlike Go, calling it twice is fine.
/// Needs the `http` feature.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let config = kisflow::metrics::MetricsConfig {
///     prometheus_enable: true,
///     prometheus_listen: true,
///     prometheus_serve: "127.0.0.1:0".into(),
/// };
/// let server = kisflow::metrics::init(&config).await?.expect("listening");
/// println!("metrics at http://{}/metrics", server.local_addr());
/// # kisflow::metrics::set_enabled(false);
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "http")]
pub async fn init(config: &MetricsConfig) -> std::io::Result<Option<MetricsServer>> {
    set_enabled(config.prometheus_enable);
    if config.prometheus_enable && config.prometheus_listen {
        return Metrics::global()
            .serve(&config.prometheus_serve)
            .await
            .map(Some);
    }
    Ok(None)
}
