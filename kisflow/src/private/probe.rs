//! What a row type can do, asked without bounds: autoref specialisation, resolved in generated code
//! where the type is concrete. `(&&Probe::<T>::new()).method(..)` picks the `…Via…` trait when `T`
//! has the capability and the `…Unsupported` fallback otherwise, so that a function whose rows lack
//! `Deserialize`, `Serialize`, `Debug` or `Clone` still compiles and says so at run time or load
//! time instead.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::function::{CloneFn, DecodeFn, EncodeFn, clone_rows, decode_row, encode_rows};

/// The probe for row type `T`.
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    /// The probe for row type `T`.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen when the row type is `Deserialize`.
pub trait JsonViaSerde<T> {
    /// `Some` decoded row.
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>>;
    /// `Some` decoder of rows of this type known only at run time.
    fn erased_decode(&self) -> Option<DecodeFn>;
}

impl<T: DeserializeOwned + Send + 'static> JsonViaSerde<T> for &Probe<T> {
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>> {
        Some(T::deserialize(row))
    }

    fn erased_decode(&self) -> Option<DecodeFn> {
        Some(decode_row::<T>)
    }
}

/// The fallback for row types that are not `Deserialize`.
pub trait JsonUnsupported<T> {
    /// Always `None`.
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>>;
    /// Always `None`.
    fn erased_decode(&self) -> Option<DecodeFn>;
}

impl<T> JsonUnsupported<T> for Probe<T> {
    fn decode_json(&self, _row: &serde_json::Value) -> Option<Result<T, serde_json::Error>> {
        None
    }

    fn erased_decode(&self) -> Option<DecodeFn> {
        None
    }
}

/// Chosen when the row type is `Serialize`.
pub trait EncodeViaSerde<T> {
    /// `Some` rows as JSON values.
    fn encode_json(&self, rows: &[T]) -> Option<Result<Vec<serde_json::Value>, serde_json::Error>>;
    /// `Some` encoder of rows of this type known only at run time.
    fn erased_encode(&self) -> Option<EncodeFn>;
}

impl<T: Serialize + 'static> EncodeViaSerde<T> for &Probe<T> {
    fn encode_json(&self, rows: &[T]) -> Option<Result<Vec<serde_json::Value>, serde_json::Error>> {
        Some(rows.iter().map(serde_json::to_value).collect())
    }

    fn erased_encode(&self) -> Option<EncodeFn> {
        Some(encode_rows::<T>)
    }
}

/// The fallback for row types that are not `Serialize`.
pub trait EncodeUnsupported<T> {
    /// Always `None`.
    fn encode_json(&self, rows: &[T]) -> Option<Result<Vec<serde_json::Value>, serde_json::Error>>;
    /// Always `None`.
    fn erased_encode(&self) -> Option<EncodeFn>;
}

impl<T> EncodeUnsupported<T> for Probe<T> {
    fn encode_json(
        &self,
        _rows: &[T],
    ) -> Option<Result<Vec<serde_json::Value>, serde_json::Error>> {
        None
    }

    fn erased_encode(&self) -> Option<EncodeFn> {
        None
    }
}

/// Chosen when the row type is `Clone`.
pub trait CloneViaClone<T> {
    /// `Some` copy of the rows.
    fn clone_rows(&self, rows: &[T]) -> Option<Vec<T>>;
    /// `Some` copier of rows of this type known only at run time.
    fn erased_clone(&self) -> Option<CloneFn>;
}

impl<T: Clone + Send + 'static> CloneViaClone<T> for &Probe<T> {
    fn clone_rows(&self, rows: &[T]) -> Option<Vec<T>> {
        Some(rows.to_vec())
    }

    fn erased_clone(&self) -> Option<CloneFn> {
        Some(clone_rows::<T>)
    }
}

/// The fallback for row types that are not `Clone`.
pub trait CloneUnsupported<T> {
    /// Always `None`.
    fn clone_rows(&self, rows: &[T]) -> Option<Vec<T>>;
    /// Always `None`.
    fn erased_clone(&self) -> Option<CloneFn>;
}

impl<T> CloneUnsupported<T> for Probe<T> {
    fn clone_rows(&self, _rows: &[T]) -> Option<Vec<T>> {
        None
    }

    fn erased_clone(&self) -> Option<CloneFn> {
        None
    }
}

/// Chosen when the row type is `Debug`.
pub trait DebugViaDebug<T> {
    /// The rows as a `Debug` list.
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T: fmt::Debug> DebugViaDebug<T> for &Probe<T> {
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{rows:?}")
    }
}

/// The fallback for row types without `Debug`: the count and the type.
pub trait DebugUnsupported<T> {
    /// How many rows of which type.
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T> DebugUnsupported<T> for Probe<T> {
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{} rows of `{}`, which has no Debug]",
            rows.len(),
            std::any::type_name::<T>()
        )
    }
}
