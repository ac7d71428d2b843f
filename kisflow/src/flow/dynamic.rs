//! [`DynFlow`]: a flow whose type is known only at run time, as the registry hands it out.

use futures::future::BoxFuture;

use super::{Flow, FlowSettings, FlowSpec, JsonRow};
use crate::error::{Error, Result};
use crate::function::{JsonRef, RowType, Rows, Stage};

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
/// flow.commit_json(r#""hello""#)?;
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
    /// Commits one JSON row; [`commit_json`](dyn DynFlow::commit_json) is the way in.
    #[doc(hidden)]
    fn commit_json_input(&mut self, row: JsonRef<'_>) -> Result<()>;
    /// The batch committed rows wait in, and the type of row it takes;
    /// [`commit`](dyn DynFlow::commit) is the typed way in.
    #[doc(hidden)]
    fn source(&mut self) -> (&mut Rows, RowType);
    /// Runs the flow; see [`Flow::run`].
    fn run(&mut self) -> BoxFuture<'_, Result<()>>;
    /// Sets the most function calls one run may make; see [`Flow::with_step_limit`].
    fn set_step_limit(&mut self, limit: usize);
    /// Applies settings; see [`Flow::with_settings`].
    fn set_settings(&mut self, settings: &FlowSettings) -> Result<()>;
    /// Gives a connector to the functions bound to its name; see [`Flow::with_connector`].
    fn set_connector(&mut self, connector: &crate::Connector) -> Result<()>;
    /// A new, independent instance with the same configuration; see [`Flow::fork`].
    fn fork(&self) -> Box<dyn DynFlow>;
    /// Runs the flow and returns what its last function emitted, as JSON values (nothing when
    /// the run stopped before it, or it is a sink). Its rows must be `Serialize`.
    fn run_json(&mut self) -> BoxFuture<'_, Result<Vec<serde_json::Value>>>;
}

impl dyn DynFlow + '_ {
    /// Commits one row given as JSON, text or [`serde_json::Value`], decoded now into the first
    /// function's input type, exactly as [`Flow::commit_json`] does.
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
    /// flow.commit_json(r#""hello""#)?;
    /// flow.commit_json(serde_json::json!("world"))?;
    /// assert!(flow.commit_json("42").is_err());
    /// assert_eq!(flow.committed(), 2);
    /// # Ok::<(), kisflow::Error>(())
    /// ```
    #[allow(
        clippy::needless_pass_by_value,
        reason = "`commit_json(text)` and `commit_json(value)` read as users write them; the JSON is only read"
    )]
    pub fn commit_json(&mut self, row: impl JsonRow) -> Result<()> {
        self.commit_json_input(row.json_ref())
    }

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
        // The row is pushed here, where its type is known: a registered function's row types
        // compile no code of their own for it.
        let (rows, input) = self.source();
        if input.id() == std::any::TypeId::of::<T>() && rows.push(row).is_ok() {
            return Ok(());
        }
        Err(Error::RowType {
            flow: self.name().to_owned(),
            expected: input.name(),
            given: std::any::type_name::<T>(),
        })
    }
}

impl<S: FlowSpec> Flow<S> {
    /// This instance as a [`DynFlow`], the form the registry and a [`Pool`](crate::Pool) hand
    /// out; the rows committed so far go with it. It is the one bridge from a typed flow to an
    /// untyped one: the typed handle is given up, so its rows live in one buffer at a time.
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
    /// flow.commit_json("2")?;
    /// assert_eq!(flow.committed(), 2);
    /// # Ok::<(), kisflow::Error>(())
    /// ```
    #[must_use]
    pub fn into_dyn(self) -> Box<dyn DynFlow> {
        let Self {
            source, mut inner, ..
        } = self;
        if let Err(rows) = inner.source.append(source) {
            // Unreachable: both hold the first function's input type. Should it happen, the loss
            // is said, with the count, rather than passed over.
            tracing::error!(
                flow = S::NAME,
                rows = rows.len(),
                "internal error: committed rows of another type were dropped by into_dyn"
            );
        }
        Box::new(inner)
    }
}
