//! [`DynFlow`]: a flow whose type is known only at run time, as the registry hands it out.

use futures::future::BoxFuture;

use super::{ComposedFlow, Flow, FlowSettings, FlowSpec};
use crate::error::{Error, Result};
use crate::function::Stage;

/// A runnable flow instance behind a trait object, for code that picks flows by name
/// (Go KisFlow's `Pool().GetFlow`). Rows go in as JSON.
///
/// ```standalone_crate
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Expand")]
/// fn shout(rows: Vec<String>) {
///     for r in rows { println!("{}", r.to_uppercase()) }
/// }
/// flow!(Shout: shout);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let mut flow = kisflow::registry()?.flow("Shout")?;
/// flow.commit_json_str(r#""hello""#)?;
/// flow.run().await?; // HELLO
/// # Ok(())
/// # }
/// ```
pub trait DynFlow: Send + std::fmt::Debug {
    /// The flow's name.
    fn name(&self) -> &str;
    /// This instance's id.
    fn id(&self) -> &str;
    /// The flow's functions in order.
    fn stages(&self) -> &[Stage];
    /// How many source rows wait for the next run.
    fn committed(&self) -> usize;
    /// Values this instance keeps across runs; see [`Flow::metadata`].
    fn metadata(&self) -> &crate::Metadata;
    /// The context of the function at `index`: its configured params, id and metadata.
    fn function_ctx(&self, index: usize) -> Option<&crate::FlowCtx>;
    /// Commits one row given as JSON text; see [`Flow::commit_json`].
    fn commit_json_str(&mut self, row: &str) -> Result<()>;
    /// Commits one row given as a JSON value; see [`Flow::commit_json`].
    fn commit_json_value(&mut self, row: serde_json::Value) -> Result<()>;
    /// Commits one typed row, boxed; [`commit`](dyn DynFlow::commit) is the typed way in.
    #[doc(hidden)]
    /// A row of another type is handed back.
    fn commit_any(
        &mut self,
        row: Box<dyn std::any::Any + Send>,
    ) -> Result<(), Box<dyn std::any::Any + Send>>;
    /// Runs the flow; see [`Flow::run`].
    fn run(&mut self) -> BoxFuture<'_, Result<()>>;
    /// Sets the most function calls one run may make; see [`Flow::with_step_limit`].
    fn set_step_limit(&mut self, limit: usize);
    /// Applies settings; see [`Flow::configure`].
    fn configure(&mut self, settings: &FlowSettings) -> Result<()>;
    /// Gives a connector to the functions bound to its name; see [`Flow::with_connector`].
    fn attach(&mut self, connector: &crate::Connector) -> Result<()>;
    /// A new instance with the same configuration; see [`Flow::fork`].
    fn fork_dyn(&self) -> Box<dyn DynFlow>;
    /// Runs the flow and returns what its last function emitted, as JSON values (nothing when
    /// the run stopped before it, or it is a sink). Its rows must be `Serialize`.
    fn run_json(&mut self) -> BoxFuture<'_, Result<Vec<serde_json::Value>>>;
}

impl dyn DynFlow {
    /// Commits one row of the first function's input type, for flows whose type is known only
    /// at run time (from the registry or a [`Pool`](crate::Pool)). A row of another type is an
    /// error naming both types. Typed rows skip `source.must`: they have every field by type.
    ///
    /// ```standalone_crate
    /// use kisflow::prelude::*;
    ///
    /// #[kis_function(mode = "Expand")]
    /// fn shout(rows: Vec<String>) {
    ///     for r in rows { println!("{}", r.to_uppercase()) }
    /// }
    /// flow!(Shout: shout);
    ///
    /// let mut flow = kisflow::registry()?.flow("Shout")?;
    /// flow.commit("hello".to_string())?;
    /// let err = flow.commit(42_u8).unwrap_err();
    /// assert_eq!(err.to_string(), "flow `Shout` takes rows of type `alloc::string::String`, not `u8`");
    /// # Ok::<(), kisflow::Error>(())
    /// ```
    pub fn commit<T: Send + 'static>(&mut self, row: T) -> Result<()> {
        self.commit_any(Box::new(row)).map_err(|_| Error::RowType {
            flow: self.name().to_owned(),
            expected: self
                .stages()
                .first()
                .map_or("nothing", |s| s.function().input().name()),
            given: std::any::type_name::<T>(),
        })
    }
}

impl<S: FlowSpec> Flow<S> {
    /// The committed rows handed to the untyped instance, for [`DynFlow`]'s methods.
    pub(super) fn hand_over(&mut self) -> &mut ComposedFlow {
        if !self.source.is_empty() {
            let rows = std::mem::take(&mut self.source);
            if let Err(rows) = self.inner.source.append(rows) {
                // Unreachable: both hold the first function's input type. Should it happen, the
                // rows stay here, still committed and counted, rather than being lost.
                tracing::error!(
                    flow = S::NAME,
                    "internal error: committed rows of another type"
                );
                self.source = rows;
            }
        }
        &mut self.inner
    }

    /// This instance as a [`DynFlow`], the form the registry and a [`Pool`](crate::Pool) hand
    /// out; the rows committed so far go with it.
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
    /// flow.commit(1)?;
    /// let mut flow = flow.into_dyn();
    /// flow.commit_json_str("2")?;
    /// assert_eq!(flow.committed(), 2);
    /// # Ok::<(), kisflow::Error>(())
    /// ```
    #[must_use]
    pub fn into_dyn(mut self) -> Box<dyn DynFlow> {
        self.hand_over();
        Box::new(self.inner)
    }
}

/// A `flow!`'s instance behind the trait object, as [`Flow::into_dyn`] makes it, forwarded to
/// the untyped instance inside.
impl<S: FlowSpec> DynFlow for Flow<S> {
    fn name(&self) -> &str {
        S::NAME
    }

    fn id(&self) -> &str {
        self.inner.id()
    }

    fn stages(&self) -> &[Stage] {
        S::STAGES
    }

    fn committed(&self) -> usize {
        Flow::committed(self)
    }

    fn metadata(&self) -> &crate::Metadata {
        self.inner.metadata()
    }

    fn function_ctx(&self, index: usize) -> Option<&crate::FlowCtx> {
        self.inner.function_ctx(index)
    }

    fn commit_json_str(&mut self, row: &str) -> Result<()> {
        self.hand_over().commit_json_str(row)
    }

    fn commit_json_value(&mut self, row: serde_json::Value) -> Result<()> {
        self.hand_over().commit_json_value(row)
    }

    fn commit_any(
        &mut self,
        row: Box<dyn std::any::Any + Send>,
    ) -> Result<(), Box<dyn std::any::Any + Send>> {
        self.hand_over().commit_any(row)
    }

    fn run(&mut self) -> BoxFuture<'_, Result<()>> {
        self.hand_over().run_committed()
    }

    fn set_step_limit(&mut self, limit: usize) {
        self.inner.set_step_limit(limit);
    }

    fn configure(&mut self, settings: &FlowSettings) -> Result<()> {
        self.inner.configure(settings)
    }

    fn attach(&mut self, connector: &crate::Connector) -> Result<()> {
        self.inner.attach(connector)
    }

    fn fork_dyn(&self) -> Box<dyn DynFlow> {
        Box::new(self.fork())
    }

    fn run_json(&mut self) -> BoxFuture<'_, Result<Vec<serde_json::Value>>> {
        self.hand_over().run_json()
    }
}
