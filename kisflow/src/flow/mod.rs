//! Flows: [`Flow`], the runnable instance, and [`FlowSpec`], what `flow!` declares.

mod commit;
mod dynamic;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use tracing::Instrument;

use crate::ctx::{FlowCtx, FlowIdentity};
use crate::error::Result;

use crate::function::{FunctionInfo, Location, Row};
use crate::ids;
use crate::metrics::{FlowMetrics, Metrics};

pub use commit::JsonRow;
pub use dynamic::DynFlow;

/// One function of a flow with the params the flow gives it.
#[derive(Debug)]
pub struct Stage {
    function: &'static FunctionInfo,
    params: &'static [(&'static str, &'static str)],
}

impl Stage {
    #[doc(hidden)]
    #[must_use]
    pub const fn __new(
        function: &'static FunctionInfo,
        params: &'static [(&'static str, &'static str)],
    ) -> Self {
        Self { function, params }
    }

    /// The function of this stage.
    #[must_use]
    pub fn function(&self) -> &'static FunctionInfo {
        self.function
    }

    /// The params the flow gives this function, in the order written.
    #[must_use]
    pub fn params(&self) -> &'static [(&'static str, &'static str)] {
        self.params
    }

    /// One param by key.
    #[must_use]
    pub fn param(&self, key: &str) -> Option<&'static str> {
        self.params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

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
    identity: Arc<FlowIdentity>,
    metrics: Option<FlowMetrics>,
}

impl<S: FlowSpec> Flow<S> {
    /// A fresh instance with no rows and new ids. It records metrics into [`Metrics::global`] when
    /// [`metrics::set_enabled`](crate::metrics::set_enabled) is on.
    #[must_use]
    pub fn new() -> Self {
        let metrics = crate::metrics::enabled().then(Metrics::global);
        let identity = Arc::new(FlowIdentity {
            name: S::NAME,
            id: ids::new_id(ids::FLOW),
        });
        let ctxs = S::STAGES
            .iter()
            .map(|stage| FlowCtx::new(Arc::clone(&identity), stage, metrics))
            .collect();
        let metrics = metrics.map(|m| FlowMetrics::new(m, S::NAME));
        Self {
            source: Vec::new(),
            ctxs,
            identity,
            metrics,
        }
    }

    /// A new, independent instance of the same flow, as Go's `Fork`: new ids, no rows, and the
    /// same metrics registry as this one.
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
        let mut fork = Self::new();
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

    /// The flow's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        S::NAME
    }

    /// This instance's id (`flow-` and 32 hex digits).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.identity.id
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
            flow_id = self.identity.id.as_str(),
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
        let run = S::run(&self.ctxs, rows);
        let outcome = span.clone();
        async move {
            let result = run.await;
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
            .field("id", &self.identity.id)
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
