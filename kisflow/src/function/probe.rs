//! What a row type can do, asked without bounds and answered while compiling. An inherent
//! associated constant whose impl is bounded (`impl<T: Clone> Probe<T> { const CLONE }`) is found
//! only where `T` meets the bound; elsewhere the path `Probe::<T>::CLONE` falls back to the
//! same-named constant of [`Unsupported`], which generated code brings into scope. So a function
//! whose rows lack `Deserialize`, `Serialize`, `Debug` or `Clone` still compiles, and says so at
//! run time or load time instead.
//!
//! Constants rather than the usual autoref method probes: `#[kis_function]` evaluates them in the
//! function's `INFO`, so a function compiles no code of its own to find its rows' abilities, and
//! what each ability does is compiled once per row type.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    CloneFn, DecodeFn, EncodeFn, FmtFn, clone_rows, count_rows, debug_rows, decode_row, encode_rows,
};

/// The probe for row type `T`: its constants are what rows of `T` can do.
///
/// ```
/// use kisflow::__private::{Probe, Unsupported as _};
///
/// struct Opaque;
/// assert!(Probe::<String>::CLONE.is_some());
/// assert!(Probe::<Opaque>::CLONE.is_none());
/// assert!(Probe::<Opaque>::DECODE.is_none());
/// ```
pub struct Probe<T>(PhantomData<T>);

impl<T: Clone + Send + 'static> Probe<T> {
    /// A copier of rows of this type known only at run time.
    pub const CLONE: Option<CloneFn> = Some(clone_rows::<T>);
}

impl<T: DeserializeOwned + Send + 'static> Probe<T> {
    /// A decoder of rows of this type known only at run time.
    pub const DECODE: Option<DecodeFn> = Some(decode_row::<T>);
}

impl<T: Serialize + 'static> Probe<T> {
    /// An encoder of rows of this type known only at run time.
    pub const ENCODE: Option<EncodeFn> = Some(encode_rows::<T>);
}

impl<T: std::fmt::Debug + 'static> Probe<T> {
    /// Writes the rows as a `Debug` list.
    pub const FMT: FmtFn = debug_rows::<T>;
}

/// The fallbacks of [`Probe`]'s constants, for row types without the ability: found only where
/// the inherent constant's bound does not hold.
pub trait Unsupported {
    /// No copier: the rows are not `Clone`.
    const CLONE: Option<CloneFn> = None;
    /// No decoder: the rows are not `Deserialize`.
    const DECODE: Option<DecodeFn> = None;
    /// No encoder: the rows are not `Serialize`.
    const ENCODE: Option<EncodeFn> = None;
    /// Writes how many rows of which type, as the rows have no `Debug`.
    const FMT: FmtFn;
}

impl<T: 'static> Unsupported for Probe<T> {
    const FMT: FmtFn = count_rows::<T>;
}
