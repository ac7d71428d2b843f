//! [`KeyedState`]: a handler's typed view of its own keys.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StateTxn;
use crate::error::{Error, Result};

/// The keyed state of one function in one flow, holding values of type `T` as JSON; from
/// [`FlowCtx::state`](crate::FlowCtx::state). Writes are seen by later reads of the same run and
/// reach the store when the runner commits the batch; see the [module docs](super).
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Save")]
/// async fn remember(ctx: &FlowCtx, rows: Vec<(String, i64)>) -> kisflow::Result<()> {
///     let state = ctx.state::<i64>()?;
///     for (key, value) in rows {
///         state.update(&key, |sum| Some(sum.unwrap_or(0) + value)).await?;
///     }
///     Ok(())
/// }
/// ```
pub struct KeyedState<T> {
    txn: Arc<StateTxn>,
    namespace: String,
    values: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> KeyedState<T> {
    pub(crate) fn new(txn: Arc<StateTxn>, namespace: String) -> Self {
        Self {
            txn,
            namespace,
            values: PhantomData,
        }
    }

    /// The namespace, `flow/function`.
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The value of `key`, or `None`.
    pub async fn get(&self, key: &str) -> Result<Option<T>> {
        match self.txn.get(&self.namespace, key).await? {
            None => Ok(None),
            Some(bytes) => self.decode(key, &bytes).map(Some),
        }
    }

    /// The values of `keys`, in their order, loading those not yet read in one call to the store
    /// (Redis: one `HMGET`): what a handler asks first when a batch touches many keys.
    ///
    /// ```
    /// use kisflow::prelude::*;
    ///
    /// #[kis_function(mode = "Save")]
    /// async fn tally(ctx: &FlowCtx, rows: Vec<String>) -> kisflow::Result<()> {
    ///     let state = ctx.state::<u64>()?;
    ///     let keys: Vec<&str> = rows.iter().map(String::as_str).collect();
    ///     for (key, count) in keys.iter().zip(state.get_many(&keys).await?) {
    ///         state.put(key, &(count.unwrap_or(0) + 1))?;
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<T>>> {
        let values = self.txn.get_many(&self.namespace, keys).await?;
        keys.iter()
            .zip(values)
            .map(|(key, value)| value.map(|bytes| self.decode(key, &bytes)).transpose())
            .collect()
    }

    /// Sets `key` to `value`.
    pub fn put(&self, key: &str, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value).map_err(|err| {
            Error::msg(format!(
                "state `{}` key `{key}`: the value does not encode: {err}",
                self.namespace
            ))
        })?;
        self.txn.put(&self.namespace, key, Some(bytes));
        Ok(())
    }

    /// Removes `key`.
    pub fn delete(&self, key: &str) {
        self.txn.put(&self.namespace, key, None);
    }

    /// Sets `key` to what `change` makes of its value (`None` removes it); returns the new value.
    pub async fn update(
        &self,
        key: &str,
        change: impl FnOnce(Option<T>) -> Option<T>,
    ) -> Result<Option<T>>
    where
        T: Clone,
    {
        let new = change(self.get(key).await?);
        match &new {
            Some(value) => self.put(key, value)?,
            None => self.delete(key),
        }
        Ok(new)
    }

    /// Every key of this namespace with its value, in key order.
    pub async fn scan(&self) -> Result<Vec<(String, T)>> {
        self.txn
            .scan(&self.namespace)
            .await?
            .into_iter()
            .map(|(key, bytes)| Ok((key.clone(), self.decode(&key, &bytes)?)))
            .collect()
    }

    fn decode(&self, key: &str, bytes: &[u8]) -> Result<T> {
        serde_json::from_slice(bytes).map_err(|err| {
            Error::msg(format!(
                "state `{}` key `{key}` holds a value that is not a `{}`: {err}",
                self.namespace,
                std::any::type_name::<T>()
            ))
        })
    }
}

impl<T> std::fmt::Debug for KeyedState<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedState")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}
