//! What a row type can do, asked without bounds: autoref specialisation, resolved in generated code
//! where the type is concrete. `(&&Probe::<T>::new()).method(..)` picks the `…Via…` trait when `T`
//! has the capability and the `…Unsupported` fallback otherwise, so that a function whose rows lack
//! `Deserialize`, `Serialize`, `Debug` or `Clone` still compiles and says so at run time or load
//! time instead.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    CloneFn, DecodeFn, EncodeFn, FmtFn, clone_rows, count_rows, debug_rows, decode_row, encode_rows,
};

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
pub trait JsonViaSerde {
    /// `Some` decoder of rows of this type known only at run time.
    fn erased_decode(&self) -> Option<DecodeFn>;
}

impl<T: DeserializeOwned + Send + 'static> JsonViaSerde for &Probe<T> {
    fn erased_decode(&self) -> Option<DecodeFn> {
        Some(decode_row::<T>)
    }
}

/// The fallback for row types that are not `Deserialize`.
pub trait JsonUnsupported {
    /// Always `None`.
    fn erased_decode(&self) -> Option<DecodeFn>;
}

impl<T> JsonUnsupported for Probe<T> {
    fn erased_decode(&self) -> Option<DecodeFn> {
        None
    }
}

/// Chosen when the row type is `Serialize`.
pub trait EncodeViaSerde {
    /// `Some` encoder of rows of this type known only at run time.
    fn erased_encode(&self) -> Option<EncodeFn>;
}

impl<T: Serialize + 'static> EncodeViaSerde for &Probe<T> {
    fn erased_encode(&self) -> Option<EncodeFn> {
        Some(encode_rows::<T>)
    }
}

/// The fallback for row types that are not `Serialize`.
pub trait EncodeUnsupported {
    /// Always `None`.
    fn erased_encode(&self) -> Option<EncodeFn>;
}

impl<T> EncodeUnsupported for Probe<T> {
    fn erased_encode(&self) -> Option<EncodeFn> {
        None
    }
}

/// Chosen when the row type is `Clone`.
pub trait CloneViaClone {
    /// `Some` copier of rows of this type known only at run time.
    fn erased_clone(&self) -> Option<CloneFn>;
}

impl<T: Clone + Send + 'static> CloneViaClone for &Probe<T> {
    fn erased_clone(&self) -> Option<CloneFn> {
        Some(clone_rows::<T>)
    }
}

/// The fallback for row types that are not `Clone`.
pub trait CloneUnsupported {
    /// Always `None`.
    fn erased_clone(&self) -> Option<CloneFn>;
}

impl<T> CloneUnsupported for Probe<T> {
    fn erased_clone(&self) -> Option<CloneFn> {
        None
    }
}

/// Chosen when the row type is `Debug`.
pub trait DebugViaDebug {
    /// Writes the rows as a `Debug` list.
    fn erased_fmt(&self) -> FmtFn;
}

impl<T: std::fmt::Debug + 'static> DebugViaDebug for &Probe<T> {
    fn erased_fmt(&self) -> FmtFn {
        debug_rows::<T>
    }
}

/// The fallback for row types without `Debug`: the count and the type.
pub trait DebugUnsupported {
    /// Writes how many rows of which type.
    fn erased_fmt(&self) -> FmtFn;
}

impl<T: 'static> DebugUnsupported for Probe<T> {
    fn erased_fmt(&self) -> FmtFn {
        count_rows::<T>
    }
}
