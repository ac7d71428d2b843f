//! [`DynFlow`]: a flow whose type is known only at run time, as the registry hands it out.

use futures::future::BoxFuture;

use super::{Flow, FlowSpec, JsonRow, Stage};
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
    fn name(&self) -> &'static str;
    /// This instance's id.
    fn id(&self) -> &str;
    /// The flow's functions in order.
    fn stages(&self) -> &'static [Stage];
    /// How many source rows wait for the next run.
    fn committed(&self) -> usize;
    /// Commits one row given as JSON text; see [`Flow::commit_json`].
    fn commit_json_str(&mut self, row: &str) -> Result<()>;
    /// Commits one row given as a JSON value; see [`Flow::commit_json`].
    fn commit_json_value(&mut self, row: serde_json::Value) -> Result<()>;
    /// Runs the flow; see [`Flow::run`].
    fn run(&mut self) -> BoxFuture<'_, Result<()>>;
}

impl<S: FlowSpec> DynFlow for Flow<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn id(&self) -> &str {
        Flow::id(self)
    }

    fn stages(&self) -> &'static [Stage] {
        S::STAGES
    }

    fn committed(&self) -> usize {
        Flow::committed(self)
    }

    fn commit_json_str(&mut self, row: &str) -> Result<()> {
        match row.decode::<serde_json::Value>() {
            Ok(value) => self.commit_json_value(value),
            Err((err, text)) => Err(self.decode_error(&err, text)),
        }
    }

    fn commit_json_value(&mut self, row: serde_json::Value) -> Result<()> {
        match S::decode_json(&row) {
            Some(Ok(row)) => {
                self.source.push(row);
                Ok(())
            }
            Some(Err(err)) => Err(self.decode_error(&err, excerpt(&row.to_string()))),
            None => Err(Error::NotJson {
                flow: S::NAME.to_owned(),
                row_type: std::any::type_name::<S::In>(),
            }),
        }
    }

    fn run(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(Flow::run(self))
    }
}
