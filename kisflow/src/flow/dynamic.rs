//! [`DynFlow`]: a flow whose type is known only at run time, as the registry hands it out.

use futures::future::BoxFuture;

use super::{Flow, FlowSettings, FlowSpec, JsonRow, Stage};
use crate::error::{Error, Result, excerpt};

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
    /// Commits one row given as JSON text; see [`Flow::commit_json`].
    fn commit_json_str(&mut self, row: &str) -> Result<()>;
    /// Commits one row given as a JSON value; see [`Flow::commit_json`].
    fn commit_json_value(&mut self, row: serde_json::Value) -> Result<()>;
    /// Runs the flow; see [`Flow::run`].
    fn run(&mut self) -> BoxFuture<'_, Result<()>>;
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

impl<S: FlowSpec> DynFlow for Flow<S> {
    fn name(&self) -> &str {
        S::NAME
    }

    fn id(&self) -> &str {
        Flow::id(self)
    }

    fn stages(&self) -> &[Stage] {
        S::STAGES
    }

    fn committed(&self) -> usize {
        Flow::committed(self)
    }

    fn commit_json_str(&mut self, row: &str) -> Result<()> {
        match row.decode::<serde_json::Value>() {
            Ok(value) => self.commit_json_value(value),
            Err((err, text)) => Err(self.decode_error(&err.to_string(), text)),
        }
    }

    fn commit_json_value(&mut self, row: serde_json::Value) -> Result<()> {
        self.core.check_must(&row, self.source.len() + 1)?;
        match S::decode_json(&row) {
            Some(Ok(row)) => {
                self.source.push(row);
                Ok(())
            }
            Some(Err(err)) => Err(self.decode_error(&err.to_string(), excerpt(&row.to_string()))),
            None => Err(Error::NotJson {
                flow: S::NAME.to_owned(),
                row_type: std::any::type_name::<S::In>(),
            }),
        }
    }

    fn run(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(Flow::run(self))
    }

    fn configure(&mut self, settings: &FlowSettings) -> Result<()> {
        self.core.configure(settings)
    }

    fn attach(&mut self, connector: &crate::Connector) -> Result<()> {
        self.core.attach(connector)
    }

    fn fork_dyn(&self) -> Box<dyn DynFlow> {
        Box::new(self.fork())
    }

    fn run_json(&mut self) -> BoxFuture<'_, Result<Vec<serde_json::Value>>> {
        let shared = std::sync::Arc::clone(&self.core.shared);
        Box::pin(shared.capturing(Flow::run(self)))
    }
}
