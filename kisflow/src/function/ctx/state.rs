//! A handler's keyed state: [`FlowCtx::state`] and [`FlowCtx::commit_also`].

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::FlowCtx;
use crate::error::{Error, Result};
use crate::state::{Also, KeyedState, StateTxn};

impl FlowCtx {
    /// This function's keyed state in this flow, holding values of type `T`: reads load from the
    /// runner's [`StateStore`](crate::state::StateStore), writes are committed with the batch's
    /// acks once its run succeeded. An error when the flow runs without a state store (give one
    /// with [`Runner::with_state`](crate::source::Runner::with_state)).
    ///
    /// ```
    /// use kisflow::prelude::*;
    ///
    /// #[kis_function(mode = "Save")]
    /// async fn count(ctx: &FlowCtx, rows: Vec<String>) -> kisflow::Result<()> {
    ///     let state = ctx.state::<u64>()?;
    ///     for key in rows {
    ///         state.update(&key, |n| Some(n.unwrap_or(0) + 1)).await?;
    ///     }
    ///     Ok(())
    /// }
    /// flow!(Counts: count);
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Run alone, a flow has no state store to hold its counts.
    /// let mut flow = Counts::new();
    /// flow.commit("a".to_string()).unwrap();
    /// let err = flow.run().await.unwrap_err();
    /// let chain = err.chain().to_string();
    /// assert!(chain.contains("keyed state needs a state store"), "{chain}");
    /// # }
    /// ```
    pub fn state<T: Serialize + DeserializeOwned>(&self) -> Result<KeyedState<T>> {
        let txn = self.txn()?;
        Ok(KeyedState::new(
            txn,
            format!("{}/{}", self.flow_name(), self.function_name()),
        ))
    }

    /// Adds `write` to the commit of this batch's state: it is made in the same transaction as
    /// the state and the acks, or not at all (with the memory store, into
    /// [`MemoryState::hash`](crate::state::MemoryState::hash)).
    ///
    /// ```
    /// use kisflow::prelude::*;
    /// use kisflow::state::Also;
    ///
    /// #[kis_function(mode = "Save")]
    /// async fn total(ctx: &FlowCtx, rows: Vec<i64>) -> kisflow::Result<()> {
    ///     let state = ctx.state::<i64>()?;
    ///     let sum = state.update("all", |s| Some(s.unwrap_or(0) + rows.iter().sum::<i64>())).await?;
    ///     ctx.commit_also(Also::hset("totals", "all", sum.unwrap_or(0).to_string()))
    /// }
    /// ```
    pub fn commit_also(&self, write: Also) -> Result<()> {
        self.txn()?.also(write);
        Ok(())
    }

    fn txn(&self) -> Result<std::sync::Arc<StateTxn>> {
        self.shared().state().ok_or_else(|| {
            self.error(
                "uses keyed state, but keyed state needs a state store: run the flow with \
                 `Runner::with_state(store)`"
                    .to_owned(),
                |flow, function, reason| Error::Connector {
                    flow,
                    function,
                    reason,
                },
            )
        })
    }
}
