//! [`FlowCtx::param_as`]: a param read as the type it was declared with.

use super::FlowCtx;
use crate::error::{Error, Result, excerpt};

impl FlowCtx {
    /// The param `key` parsed as a `T`, usually the type it was declared with
    /// (`params(max_qty: u32 = 100)`, whose configured values the pool checks at load). A
    /// missing param, or a value that does not parse, is an error naming the function, the key
    /// and the value.
    ///
    /// ```
    /// use kisflow::prelude::*;
    ///
    /// #[kis_function(mode = "Verify", params(max_qty: u32 = 100))]
    /// fn small(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
    ///     let max: u32 = ctx.param_as("max_qty")?;
    ///     Ok(rows.into_iter().filter(|q| *q <= max).collect())
    /// }
    /// flow!(Small: small(max_qty = 5));
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> kisflow::Result<()> {
    /// let mut flow = Small::new();
    /// flow.commit_batch([3, 9])?;
    /// assert_eq!(flow.run_collect().await?, [3]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn param_as<T>(&self, key: &str) -> Result<T>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let function = self.function_name();
        let Some(value) = self.param(key) else {
            return Err(Error::Settings {
                flow: self.flow_name().to_owned(),
                reason: format!(
                    "function `{function}` reads param `{key}`, which neither the flow nor its \
                     defaults give; declare it with `params({key}: {} = ...)`",
                    std::any::type_name::<T>()
                ),
            });
        };
        value.parse().map_err(|err: T::Err| Error::Settings {
            flow: self.flow_name().to_owned(),
            reason: format!(
                "param `{key}` of function `{function}` is \"{}\", which is not a `{}`: {err}",
                excerpt(value),
                std::any::type_name::<T>()
            ),
        })
    }
}
