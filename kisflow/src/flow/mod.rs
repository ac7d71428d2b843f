//! Flows: [`Flow`], the runnable instance, and [`FlowSpec`], what `flow!` declares.

mod collect;
mod commit;
mod composed;
mod connect;
mod core;
mod drive;
mod dynamic;
pub(crate) mod run;
mod settings;
mod shape;

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::connector::Connector;
use crate::error::Result;
use crate::function::ctx::FlowCtx;

use crate::function::{Location, Row, Stage};
use crate::metrics::Metrics;
use crate::store::{Cache, Metadata};

pub use collect::LastEmits;
pub use commit::JsonRow;
pub use composed::ComposedFlow;
pub use dynamic::DynFlow;
pub use settings::{FlowSettings, StageSettings};
pub(crate) use shape::chains;
#[cfg(feature = "config")]
pub(crate) use shape::{check_branch_point, check_edge, check_jumps, edges};

use self::core::FlowCore;

/// The most rows a batch of single commits reserves room for at its first commit: past it, a
/// batch grows as a `Vec` does, so one huge run does not make every later batch hold that much.
const RESERVE_LIMIT: usize = 1 << 16;

/// A flow declared with `flow!`: its name, its input row type and its stages.
///
/// `flow!(Name: a -> b)` implements this on the type `Name`; use [`Flow<Name>`](Flow) to run it.
/// It is mostly a table: the run loop that follows actions, retries, jumps, branches and spans
/// is compiled once, into kisflow. For a chain `flow!` adds one small function that calls each
/// handler on the last one's typed rows, which a run takes when it needs none of those (see
/// [`Flow::run`]).
pub trait FlowSpec: Sized + Send + Sync + 'static {
    /// The row type of the first function's input: what [`Flow::commit`] takes.
    type In: Row;
    /// The flow's name.
    const NAME: &'static str;
    /// The functions in order, with their params: for a flow that ends in branches, the trunk's,
    /// then each branch's in the order written.
    const STAGES: &'static [Stage];
    /// Where `flow!` declared the flow.
    const LOCATION: Location;
    /// Where each branch starts among [`STAGES`](FlowSpec::STAGES), for a flow that ends in
    /// branches (`flow!(Name: a -> [b, c -> d])` has `[1, 2]`): the functions before the first
    /// are the trunk. Empty, the default, for a chain.
    const BRANCHES: &'static [usize] = &[];
    /// The typed run `flow!` writes for a chain, so that a run which uses nothing the erased
    /// loop alone follows (see `TypedRun`) costs what its calls cost by hand; `None`, the default,
    /// runs every run on the erased loop.
    #[doc(hidden)]
    const TYPED: Option<run::TypedFn<Self::In>> = None;
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
    /// The committed rows, typed, so committing is a push.
    source: Vec<S::In>,
    /// How many rows the last run took, up to [`RESERVE_LIMIT`]: the room a new batch of single
    /// commits starts with, so it does not grow by doubling and copying every run.
    last_batch: usize,
    /// The instance itself; its own batch of committed rows stays empty until
    /// [`into_dyn`](Flow::into_dyn) hands it this flow's rows.
    inner: ComposedFlow,
    spec: PhantomData<fn() -> S>,
}

impl<S: FlowSpec> Flow<S> {
    /// A fresh instance with no rows and new ids. It records metrics into [`Metrics::global`] when
    /// [`metrics::set_enabled`](crate::metrics::set_enabled) is on.
    #[must_use]
    pub fn new() -> Self {
        // `flow!` rejects a flow without functions; this says so to a hand-written `FlowSpec`.
        const { assert!(!S::STAGES.is_empty(), "a flow needs at least one function") };
        Self::from_inner(ComposedFlow::declared(
            Arc::from(S::NAME),
            Arc::from(S::STAGES),
            std::borrow::Cow::Borrowed(S::BRANCHES),
        ))
    }

    fn from_inner(inner: ComposedFlow) -> Self {
        Self {
            source: Vec::new(),
            last_batch: 0,
            inner,
            spec: PhantomData,
        }
    }

    fn core(&self) -> &FlowCore {
        &self.inner.core
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
        Self::from_inner(self.inner.fork_instance())
    }

    /// This instance, recording its metrics into `metrics` from now on.
    #[must_use]
    pub fn with_metrics(mut self, metrics: &Metrics) -> Self {
        self.inner.core.set_metrics(metrics);
        self
    }

    /// This instance, whose runs stop with [`Error::StepLimit`](crate::Error::StepLimit) after `limit` function calls
    /// (default [`DEFAULT_STEP_LIMIT`](crate::DEFAULT_STEP_LIMIT)): the guard against jump loops.
    #[must_use]
    pub fn with_step_limit(self, limit: usize) -> Self {
        self.inner.core.set_step_limit(limit);
        self
    }

    /// The most function calls one run may make.
    #[must_use]
    pub fn step_limit(&self) -> usize {
        self.core().step_limit()
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
        self.inner.core.set_connector(connector)?;
        Ok(self)
    }

    /// This instance with `settings` applied (YAML's flow and func kinds go through here); an
    /// error leaves it unchanged and says which setting does not fit.
    pub fn with_settings(mut self, settings: &FlowSettings) -> Result<Self> {
        self.inner.core.set_settings(settings)?;
        Ok(self)
    }

    /// The flow's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        S::NAME
    }

    /// This instance's id (`flow-` and 32 hex digits).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.core().shared.id
    }

    /// Values this instance keeps across runs; handlers see them as
    /// [`FlowCtx::flow_metadata`].
    #[must_use]
    pub fn metadata(&self) -> &Metadata {
        &self.core().shared.metadata
    }

    /// This instance's cache; handlers see it as [`FlowCtx::cache`].
    #[must_use]
    pub fn cache(&self) -> &Cache {
        self.core().shared.cache()
    }

    /// The context of the function at `index`, for its id and function metadata.
    #[must_use]
    pub fn function_ctx(&self, index: usize) -> Option<&FlowCtx> {
        self.core().ctxs.get(index)
    }

    /// The flow's functions in order, with their params; for a flow that ends in branches, the
    /// trunk's then each branch's, as [`FlowSpec::STAGES`] lists them.
    #[must_use]
    pub fn stages(&self) -> &'static [Stage] {
        S::STAGES
    }

    /// How many source rows are committed and wait for the next [`run`](Flow::run).
    #[must_use]
    pub fn committed(&self) -> usize {
        self.source.len()
    }

    /// Runs every function in order over the committed rows, which it takes: the next run starts
    /// with none.
    ///
    /// Each function receives exactly what its predecessor emitted, as typed values. A function
    /// that emits no rows ends the run successfully. A handler error ends it with
    /// [`Error::Handler`](crate::Error::Handler), naming the flow and the function. What the last
    /// function emits is dropped; [`run_collect`](Flow::run_collect) gives it back.
    ///
    /// A flow that ends in branches (`flow!(Name: a -> [b, c -> d])`) runs its trunk, then each
    /// branch in the order written on its own copy of the trunk's rows; there, a function that
    /// emits nothing or aborts ends its own branch only. See [`flow!`](crate::flow).
    ///
    /// A chain's run calls its handlers straight on their typed rows, as hand-written code
    /// would, while no tracing subscriber wants its spans (INFO) and the flow has no connectors,
    /// retries, jumps or data reuse; the first action taken or `async fn` handler met hands the
    /// rest of the run to the loop that follows them. Either way the run does the same thing.
    pub fn run(&mut self) -> impl Future<Output = Result<()>> + Send + '_ {
        // A switched-off flow keeps its rows for when it is switched on; `drive` says why.
        let rows = if self.inner.core.settings.disabled.is_some() {
            Vec::new()
        } else {
            std::mem::take(&mut self.source)
        };
        self.last_batch = rows.len().min(RESERVE_LIMIT);
        // Not boxed: a typed run is one future, the caller's own.
        self.inner.core.drive_typed(rows, S::TYPED)
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
            .field("id", &self.core().shared.id)
            .field("committed", &self.committed())
            .finish_non_exhaustive()
    }
}
