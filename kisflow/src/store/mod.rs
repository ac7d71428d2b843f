//! Values a flow keeps between runs: [`Metadata`] (flow, function and connector level) and the
//! per-instance [`Cache`] with a time-to-live per entry.
//!
//! Both hold values of any `Clone + Send + Sync` type under string keys and hand them back typed:
//! asking for a key under another type than it was stored with is an [`Error::WrongType`] that
//! names both types, never a silent `None`.

mod cache;
mod metadata;

use std::any::Any;
use std::sync::Arc;

pub use cache::Cache;
pub use metadata::Metadata;

use crate::error::{Error, Result};

/// One stored value with the name of its type, for error messages.
#[derive(Clone)]
struct Stored {
    value: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
}

impl Stored {
    fn new<T: Any + Send + Sync>(value: T) -> Self {
        Self {
            value: Arc::new(value),
            type_name: std::any::type_name::<T>(),
        }
    }

    /// The value as a `T`, or [`Error::WrongType`] naming `what` (`flow metadata`) and `key`.
    fn typed<T: Any + Clone>(&self, what: &'static str, key: &str) -> Result<T> {
        self.value
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| Error::WrongType {
                store: what,
                key: key.to_owned(),
                stored: self.type_name,
                asked: std::any::type_name::<T>(),
            })
    }
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}>", self.type_name)
    }
}
