//! [`Flow::run_collect`]: a run that gives back what its last function emits, typed.

use std::sync::Arc;

use super::{Flow, FlowSpec};
use crate::error::{Error, Result};
use crate::function::Row;

/// Implemented by `flow!` on a flow whose last function emits rows of type `Out`
/// ([`NoRows`](crate::NoRows) for a sink), or the first branch's last function for a flow that
/// ends in branches: the type [`Flow::run_collect`] gives back.
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Calculate")]
/// fn lengths(rows: Vec<String>) -> Vec<usize> {
///     rows.iter().map(String::len).collect()
/// }
/// flow!(Lengths: lengths);
///
/// fn ends_with<S: kisflow::LastEmits<Out>, Out>() {}
/// ends_with::<Lengths, usize>();
/// ```
#[diagnostic::on_unimplemented(
    message = "flow `{Self}` does not end in a function that emits `{Out}` rows",
    label = "`run_collect` gives back the rows the last function of `{Self}` emits",
    note = "ask for a `Vec` of the last function's output row type, or let the type be inferred"
)]
pub trait LastEmits<Out>: FlowSpec {}

impl<S: FlowSpec> Flow<S> {
    /// Runs the flow as [`run`](Flow::run) does and returns the rows its last function emitted,
    /// as that function's own row type: what a test of the flow asserts on.
    ///
    /// When the last function is called more than once in the run (a jump back), its batches
    /// come back in order, one after the other. A run that ends early (a function emitted
    /// nothing, or aborted) returns what the last function had emitted by then, often nothing.
    /// A flow that ends in a sink gives back an empty `Vec<NoRows>`: a sink emits nothing. A flow
    /// that ends in branches (`a -> [b, c]`) gives back what the first branch's last function
    /// emitted.
    ///
    /// ```
    /// use kisflow::prelude::*;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Total { customer: u32, sum: u64 }
    ///
    /// #[kis_function(mode = "Calculate")]
    /// fn total(rows: Vec<(u32, Vec<u64>)>) -> Vec<Total> {
    ///     rows.into_iter()
    ///         .map(|(customer, amounts)| Total { customer, sum: amounts.iter().sum() })
    ///         .collect()
    /// }
    ///
    /// flow!(Totals: total);
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> kisflow::Result<()> {
    /// let mut flow = Totals::new();
    /// flow.commit((7, vec![10, 20]))?;
    /// let totals: Vec<Total> = flow.run_collect().await?;
    /// assert_eq!(totals, [Total { customer: 7, sum: 30 }]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_collect<Out: Row>(&mut self) -> impl Future<Output = Result<Vec<Out>>> + Send + '_
    where
        S: LastEmits<Out>,
    {
        let shared = Arc::clone(&self.core().shared);
        let run = self.run();
        async move {
            let batches = shared.keeping(run).await?;
            let mut rows: Vec<Out> = Vec::new();
            for batch in batches {
                match batch.downcast::<Out>() {
                    Ok(mut more) if rows.is_empty() => std::mem::swap(&mut rows, &mut more),
                    Ok(mut more) => rows.append(&mut more),
                    // `flow!` names the last function's own `Out`, so this is a kisflow bug.
                    Err(_) => {
                        return Err(Error::Internal {
                            flow: S::NAME.to_owned(),
                            detail: format!(
                                "the last function's rows are not of type `{}`",
                                std::any::type_name::<Out>()
                            ),
                        });
                    }
                }
            }
            Ok(rows)
        }
    }
}
