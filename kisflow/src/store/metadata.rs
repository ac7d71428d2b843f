//! [`Metadata`]: typed values kept for the life of a flow, function or connector instance.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use super::Stored;
use crate::error::Result;

/// Values kept for the life of one flow instance, one function instance or one connector, across
/// runs (Go KisFlow's `GetMetaData`/`SetMetaData`), typed on the way out.
///
/// A fork starts with empty metadata. Reach it with [`FlowCtx::metadata`] (this function),
/// [`FlowCtx::flow_metadata`] (the flow instance) and [`Connector::metadata`].
///
/// ```
/// let meta = kisflow::Metadata::new("flow metadata");
/// assert_eq!(meta.get::<u32>("runs")?, None);
/// meta.set("runs", 1u32);
/// meta.update("runs", |n: Option<u32>| n.unwrap_or(0) + 1)?;
/// assert_eq!(meta.get::<u32>("runs")?, Some(2));
///
/// let err = meta.get::<String>("runs").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "flow metadata \"runs\" holds a `u32`, not the `alloc::string::String` asked for"
/// );
/// # Ok::<(), kisflow::Error>(())
/// ```
///
/// [`FlowCtx::metadata`]: crate::FlowCtx::metadata
/// [`FlowCtx::flow_metadata`]: crate::FlowCtx::flow_metadata
/// [`Connector::metadata`]: crate::Connector::metadata
#[derive(Debug)]
pub struct Metadata {
    what: &'static str,
    values: RwLock<HashMap<String, Stored>>,
}

impl Metadata {
    /// Empty metadata; `what` names it in errors (`"function metadata"`).
    #[must_use]
    pub fn new(what: &'static str) -> Self {
        Self {
            what,
            values: RwLock::default(),
        }
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn set<T: Any + Send + Sync>(&self, key: impl Into<String>, value: T) {
        self.values
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.into(), Stored::new(value));
    }

    /// A copy of the value under `key`, `None` when there is none, or [`Error::WrongType`] when it
    /// was stored as another type.
    ///
    /// [`Error::WrongType`]: crate::Error::WrongType
    pub fn get<T: Any + Clone>(&self, key: &str) -> Result<Option<T>> {
        let values = self.values.read().unwrap_or_else(PoisonError::into_inner);
        values
            .get(key)
            .map(|stored| stored.typed(self.what, key))
            .transpose()
    }

    /// Replaces the value under `key` with `f(old)` in one step, so concurrent updates are not
    /// lost, and returns the new value. Use it for small values you want back (a counter); use
    /// [`modify`](Self::modify) to change a large value in place without copying it.
    pub fn update<T, F>(&self, key: &str, f: F) -> Result<T>
    where
        T: Any + Clone + Send + Sync,
        F: FnOnce(Option<T>) -> T,
    {
        let mut values = self.values.write().unwrap_or_else(PoisonError::into_inner);
        let old = values
            .get(key)
            .map(|stored| stored.typed::<T>(self.what, key))
            .transpose()?;
        let new = f(old);
        values.insert(key.to_owned(), Stored::new(new.clone()));
        Ok(new)
    }

    /// Changes the value under `key` in place (starting from `T::default()` when there is none),
    /// without copying it: the way to grow a list or a map kept in metadata. Unlike
    /// [`update`](Self::update) it returns nothing, so nothing is cloned.
    ///
    /// ```
    /// let meta = kisflow::Metadata::new("flow metadata");
    /// meta.modify("seen", |ids: &mut Vec<u32>| ids.push(7))?;
    /// meta.modify("seen", |ids: &mut Vec<u32>| ids.push(9))?;
    /// assert_eq!(meta.get::<Vec<u32>>("seen")?, Some(vec![7, 9]));
    /// # Ok::<(), kisflow::Error>(())
    /// ```
    pub fn modify<T, F>(&self, key: &str, f: F) -> Result<()>
    where
        T: Any + Clone + Default + Send + Sync,
        F: FnOnce(&mut T),
    {
        let mut values = self.values.write().unwrap_or_else(PoisonError::into_inner);
        let stored = values
            .entry(key.to_owned())
            .or_insert_with(|| Stored::new(T::default()));
        if !stored.value.is::<T>() {
            return stored.typed::<T>(self.what, key).map(|_| ());
        }
        // The map holds the only handle on its values (reads hand out copies), so this is a
        // borrow, not a copy; a shared value is copied first.
        if std::sync::Arc::get_mut(&mut stored.value).is_none() {
            let copy: T = stored.typed(self.what, key)?;
            *stored = Stored::new(copy);
        }
        if let Some(value) =
            std::sync::Arc::get_mut(&mut stored.value).and_then(|value| value.downcast_mut::<T>())
        {
            f(value);
        }
        Ok(())
    }

    /// Removes `key`; whether it was there.
    pub fn remove(&self, key: &str) -> bool {
        self.values
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key)
            .is_some()
    }

    /// The keys, sorted.
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        let values = self.values.read().unwrap_or_else(PoisonError::into_inner);
        let mut keys: Vec<String> = values.keys().cloned().collect();
        keys.sort();
        keys
    }
}
