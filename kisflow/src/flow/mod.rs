//! Flows: [`Flow`], the runnable instance, and [`FlowSpec`], what `flow!` declares.

mod commit;
mod connect;
mod dynamic;
pub(crate) mod run;
mod stage;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use tracing::Instrument;

use crate::connector::Connector;
use crate::ctx::{FlowCtx, FlowShared};
use crate::error::{Error, Result};

use crate::function::{Location, Row};
use crate::metrics::{FlowMetrics, Metrics};
use crate::store::{Cache, Metadata};

pub use commit::JsonRow;
pub use dynamic::DynFlow;
pub use stage::Stage;

use connect::connect;

/// A flow declared with `flow!`: its name, its stages and the typed code that runs them.
///
/// `flow!(Name: a -> b)` implements this on the type `Name`; use [`Flow<Name>`](Flow) to run it.
pub trait FlowSpec: Sized + Send + Sync + 'static {
    /// The row type of the first function's input: what [`Flow::commit`] takes.
    type In: Row;
    /// The flow's name.
    const NAME: &'static str;
    /// The functions in order, with their params.
    const STAGES: &'static [Stage];
    /// Where `flow!` declared the flow.
    const LOCATION: Location;

    /// Decodes a JSON row into [`In`](FlowSpec::In), or `None` when `In` is not `Deserialize`.
    fn decode_json(row: &serde_json::Value) -> Option<Result<Self::In, serde_json::Error>>;

    /// Writes source rows for debug logs.
    fn fmt_input(rows: &[Self::In], f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result;

    /// Runs the stages over one batch of source rows; `ctxs` has one context per stage.
    ///
    /// The future is boxed so that code using a flow never sees the types inside it: a row type
    /// mismatch then stays one error, at `flow!`, instead of another wherever the flow runs.
    fn run(ctxs: &[FlowCtx], rows: Vec<Self::In>) -> BoxFuture<'_, Result<()>>;
}

/// A runnable instance of a flow: committed source rows, an id, and one context per function.
///
/// Instances are independent: each has its own rows and ids, is `Send`, and runs on any tokio
/// runtime, so many can run at once.
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Calculate")]
/// fn square(rows: Vec<u64>) -> Vec<u64> {
///     rows.into_iter().map(|n| n * n).collect()
/// }
///
/// #[kis_function(mode = "Expand")]
/// fn print(rows: Vec<u64>) {
///     println!("{rows:?}");
/// }
///
/// flow!(Squares: square -> print);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let mut flow = Squares::new();
/// flow.commit_batch([1, 2, 3])?;
/// flow.commit_json("4")?;
/// assert_eq!(flow.committed(), 4);
/// flow.run().await?; // [1, 4, 9, 16]
/// assert_eq!(flow.committed(), 0);
/// # Ok(())
/// # }
/// ```
pub struct Flow<S: FlowSpec> {
    source: Vec<S::In>,
    ctxs: Box<[FlowCtx]>,
    shared: Arc<FlowShared>,
    metrics: Option<FlowMetrics>,
    /// Whether a function is bound to a connector, so runs check and initialise connectors.
    uses_connectors: bool,
}

impl<S: FlowSpec> Flow<S> {
    /// A fresh instance with no rows and new ids. It records metrics into [`Metrics::global`] when
    /// [`metrics::set_enabled`](crate::metrics::set_enabled) is on.
    #[must_use]
    pub fn new() -> Self {
        let metrics = crate::metrics::enabled().then(Metrics::global);
        let shared = Arc::new(FlowShared::new(S::NAME, S::STAGES));
        let ctxs = S::STAGES
            .iter()
            .map(|stage| FlowCtx::new(Arc::clone(&shared), stage, metrics))
            .collect();
        let metrics = metrics.map(|m| FlowMetrics::new(m, S::NAME));
        let uses_connectors = S::STAGES.iter().any(|s| s.function().conn().is_some());
        Self {
            source: Vec::new(),
            ctxs,
            shared,
            metrics,
            uses_connectors,
        }
    }

    /// A new, independent instance of the same flow, as Go's `Fork`: new ids, no rows, empty
    /// metadata and cache, the same step limit, connectors and metrics registry as this one.
    ///
    /// ```
    /// use kisflow::prelude::*;
    ///
    /// #[kis_function(mode = "Expand")]
    /// fn print(rows: Vec<u8>) {
    ///     println!("{rows:?}");
    /// }
    /// flow!(Bytes: print);
    ///
    /// let mut flow = Bytes::new();
    /// flow.commit(1).unwrap();
    /// let fork = flow.fork();
    /// assert_ne!(fork.id(), flow.id());
    /// assert_eq!((flow.committed(), fork.committed()), (1, 0));
    /// ```
    #[must_use]
    pub fn fork(&self) -> Self {
        let mut fork = Self::new().with_step_limit(self.step_limit());
        for (ctx, original) in fork.ctxs.iter_mut().zip(self.ctxs.iter()) {
            if let Some(connector) = original.given_connector() {
                ctx.set_connector(connector.clone());
            }
        }
        if let Some(metrics) = &self.metrics {
            fork.metrics = Some(metrics.clone());
            for (ctx, original) in fork.ctxs.iter_mut().zip(self.ctxs.iter()) {
                ctx.copy_metrics_from(original);
            }
        }
        fork
    }

    /// This instance, recording its metrics into `metrics` from now on.
    #[must_use]
    pub fn with_metrics(mut self, metrics: &Metrics) -> Self {
        for ctx in &mut self.ctxs {
            ctx.set_metrics(metrics);
        }
        self.metrics = Some(FlowMetrics::new(metrics, S::NAME));
        self
    }

    /// This instance, whose runs stop with [`Error::StepLimit`] after `limit` function calls
    /// (default [`DEFAULT_STEP_LIMIT`](crate::DEFAULT_STEP_LIMIT)): the guard against jump loops.
    #[must_use]
    pub fn with_step_limit(self, limit: usize) -> Self {
        self.shared
            .step_limit
            .store(limit, std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// The most function calls one run may make.
    #[must_use]
    pub fn step_limit(&self) -> usize {
        self.shared
            .step_limit
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// This instance, giving `connector` to every function bound to its `cname`
    /// (`#[kis_function(conn = "...")]`). Fails when no function of the flow is bound to it.
    ///
    /// ```
    /// use kisflow::prelude::*;
    /// use kisflow::{ConnConfig, Connector, MemoryKv};
    ///
    /// #[kis_function(mode = "Save", conn = "Names")]
    /// async fn save(ctx: &FlowCtx, rows: Vec<String>) -> kisflow::Result<()> {
    ///     let kv = ctx.connector()?.client::<MemoryKv>()?;
    ///     for (i, name) in rows.into_iter().enumerate() {
    ///         kv.set(format!("name_{i}"), name);
    ///     }
    ///     Ok(())
    /// }
    /// flow!(SaveNames: save);
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> kisflow::Result<()> {
    /// let names = Connector::memory_kv(ConnConfig::new("Names"));
    /// let mut flow = SaveNames::new().with_connector(&names)?;
    /// flow.commit("Ada".to_string())?;
    /// flow.run().await?;
    /// assert_eq!(names.client::<MemoryKv>()?.get("name_0")?.as_deref(), Some("Ada"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_connector(mut self, connector: &Connector) -> Result<Self> {
        let mut bound = false;
        for ctx in &mut self.ctxs {
            if ctx.function().conn() == Some(connector.name()) {
                ctx.set_connector(connector.clone());
                bound = true;
            }
        }
        if bound {
            return Ok(self);
        }
        let bindings: Vec<String> = S::STAGES
            .iter()
            .filter_map(|s| {
                Some(format!(
                    "`{}` to \"{}\"",
                    s.function().name(),
                    s.function().conn()?
                ))
            })
            .collect();
        let bindings = if bindings.is_empty() {
            "none of its functions is bound to a connector".to_owned()
        } else {
            format!("its bindings are {}", bindings.join(", "))
        };
        Err(Error::msg(format_args!(
            "flow `{}`: no function is bound to connector \"{}\" ({bindings}); bind one with \
             `#[kis_function(conn = \"{}\")]`",
            S::NAME,
            connector.name(),
            connector.name()
        )))
    }

    /// The flow's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        S::NAME
    }

    /// This instance's id (`flow-` and 32 hex digits).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// Values this instance keeps across runs; handlers see them as
    /// [`FlowCtx::flow_metadata`].
    #[must_use]
    pub fn metadata(&self) -> &Metadata {
        &self.shared.metadata
    }

    /// This instance's cache; handlers see it as [`FlowCtx::cache`].
    #[must_use]
    pub fn cache(&self) -> &Cache {
        self.shared.cache()
    }

    /// The context of the function at `index`, for its id and function metadata.
    #[must_use]
    pub fn function_ctx(&self, index: usize) -> Option<&FlowCtx> {
        self.ctxs.get(index)
    }

    /// The flow's functions in order, with their params.
    #[must_use]
    pub fn stages(&self) -> &'static [Stage] {
        S::STAGES
    }

    /// How many source rows are committed and wait for the next [`run`](Flow::run).
    #[must_use]
    pub fn committed(&self) -> usize {
        self.source.len()
    }

    /// Commits one source row of the first function's input type.
    pub fn commit(&mut self, row: S::In) -> Result<()> {
        self.source.push(row);
        Ok(())
    }

    /// Commits many source rows at once. A `Vec` committed to an instance with no rows waiting
    /// becomes the batch itself, without a copy.
    pub fn commit_batch(&mut self, rows: impl IntoIterator<Item = S::In>) -> Result<()> {
        if self.source.is_empty() {
            // Collecting a `vec::IntoIter` reuses its buffer, so a whole `Vec` moves in as it is.
            self.source = rows.into_iter().collect();
        } else {
            self.source.extend(rows);
        }
        Ok(())
    }

    /// Runs every function in order over the committed rows, which it takes: the next run starts
    /// with none.
    ///
    /// Each function receives exactly what its predecessor emitted, as typed values. A function
    /// that emits no rows ends the run successfully. A handler error ends it with
    /// [`Error::Handler`](crate::Error::Handler), naming the flow and the function.
    pub fn run(&mut self) -> impl Future<Output = Result<()>> + Send + '_ {
        let rows = std::mem::take(&mut self.source);
        let span = tracing::info_span!(
            "kisflow_run",
            flow = S::NAME,
            flow_id = self.shared.id.as_str(),
            rows = rows.len(),
            outcome = tracing::field::Empty,
        );
        if tracing::enabled!(tracing::Level::DEBUG) {
            span.in_scope(|| tracing::debug!(rows = %RowsText(S::fmt_input, &rows), "source rows"));
        }
        let metrics = self.metrics.as_ref();
        let started = metrics.map(|m| {
            m.started(rows.len());
            Instant::now()
        });
        let ctxs = &self.ctxs;
        let uses_connectors = self.uses_connectors;
        let outcome = span.clone();
        async move {
            let connected = if uses_connectors {
                connect(ctxs).await
            } else {
                Ok(())
            };
            let result = match connected {
                Ok(()) => S::run(ctxs, rows).await,
                Err(err) => Err(err),
            };
            if let (Some(metrics), Some(started)) = (metrics, started) {
                metrics.finished(started.elapsed(), result.is_err());
            }
            match &result {
                Ok(()) => {
                    outcome.record("outcome", "ok");
                }
                Err(err) => {
                    outcome.record("outcome", "error");
                    // Logged once, here, where the error ends the run.
                    tracing::error!(error = %crate::error::chain(err), "flow run failed");
                }
            }
            result
        }
        .instrument(span)
    }
}

impl<S: FlowSpec> Default for Flow<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: FlowSpec> std::fmt::Debug for Flow<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("name", &S::NAME)
            .field("id", &self.shared.id)
            .field("committed", &self.source.len())
            .finish_non_exhaustive()
    }
}

/// Rows written by a `fmt_input`/`fmt_output` hook, for debug logs.
pub(crate) struct RowsText<'a, T>(
    pub(crate) fn(&[T], &mut std::fmt::Formatter<'_>) -> std::fmt::Result,
    pub(crate) &'a [T],
);

impl<T> std::fmt::Display for RowsText<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (self.0)(self.1, f)
    }
}
