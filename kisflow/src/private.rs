//! Not public API: support for the code `#[kis_function]` and `flow!` generate. Anything here may
//! change in any release; the macros and this module are versioned together.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

pub use core::future::Future;
pub use core::option::Option;
pub use core::result::Result;
pub use core::{column, concat, file, line, module_path, stringify};
pub use futures::future::BoxFuture;
pub use inventory;
pub use serde_json;
pub use std::boxed::Box;
pub use std::vec::Vec;

pub use crate::action::Actions;
pub use crate::ctx::FlowCtx;
pub use crate::edge::{Edge, EmitsRows};
pub use crate::error::{BoxError, Error};
pub use crate::flow::run::{
    Flag, Goto, Keep, No, ReuseInto, RunState, Select, Select2Flag, Yes, any_jumps, no_such_stage,
    step,
};
pub use crate::flow::{DynFlow, Flow, FlowSpec, Stage};
pub use crate::function::{FunctionInfo, KisFunction, Location, NoRows, RowType};
pub use crate::mode::Mode;
pub use crate::registry::{FlowEntry, FunctionEntry};

/// The return types a handler may have, turned into one batch of output rows.
pub trait IntoOutput<T> {
    /// The rows, or the handler's error.
    fn into_output(self) -> Result<Vec<T>, BoxError>;
}

impl<T> IntoOutput<T> for Vec<T> {
    #[inline]
    fn into_output(self) -> Result<Vec<T>, BoxError> {
        Ok(self)
    }
}

impl<T, E: Into<BoxError>> IntoOutput<T> for Result<Vec<T>, E> {
    #[inline]
    fn into_output(self) -> Result<Vec<T>, BoxError> {
        self.map_err(Into::into)
    }
}

impl IntoOutput<NoRows> for () {
    #[inline]
    fn into_output(self) -> Result<Vec<NoRows>, BoxError> {
        Ok(Vec::new())
    }
}

impl<E: Into<BoxError>> IntoOutput<NoRows> for Result<(), E> {
    #[inline]
    fn into_output(self) -> Result<Vec<NoRows>, BoxError> {
        self.map(|()| Vec::new()).map_err(Into::into)
    }
}

/// Picks JSON decoding for a row type that implements `Deserialize` and reports `None` for one that
/// does not, without a `Deserialize` bound (autoref specialisation, resolved in generated code where
/// the type is concrete).
pub struct JsonProbe<T>(PhantomData<T>);

impl<T> Default for JsonProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> JsonProbe<T> {
    /// The probe for row type `T`.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Chosen when the row type is `Deserialize`.
pub trait JsonViaSerde<T> {
    /// `Some` decoded row.
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>>;
}

impl<T: DeserializeOwned> JsonViaSerde<T> for &JsonProbe<T> {
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>> {
        Some(T::deserialize(row))
    }
}

/// The fallback for row types that are not `Deserialize`.
pub trait JsonUnsupported<T> {
    /// Always `None`.
    fn decode_json(&self, row: &serde_json::Value) -> Option<Result<T, serde_json::Error>>;
}

impl<T> JsonUnsupported<T> for JsonProbe<T> {
    fn decode_json(&self, _row: &serde_json::Value) -> Option<Result<T, serde_json::Error>> {
        None
    }
}

/// A boxed fresh instance of flow `S`, for the registry.
#[must_use]
pub fn new_dyn_flow<S: FlowSpec>() -> Box<dyn DynFlow> {
    Box::new(Flow::<S>::new())
}

/// Writes rows for debug logs with `Debug` where the row type has it, without a `Debug` bound
/// (autoref specialisation, resolved in generated code where the type is concrete).
pub struct DebugProbe<T>(PhantomData<T>);

impl<T> DebugProbe<T> {
    /// The probe for row type `T`.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for DebugProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen when the row type is `Debug`.
pub trait DebugViaDebug<T> {
    /// The rows as a `Debug` list.
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T: fmt::Debug> DebugViaDebug<T> for &DebugProbe<T> {
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{rows:?}")
    }
}

/// The fallback for row types without `Debug`: the count and the type.
pub trait DebugUnsupported<T> {
    /// How many rows of which type.
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl<T> DebugUnsupported<T> for DebugProbe<T> {
    fn fmt_rows(&self, rows: &[T], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{} rows of `{}`, which has no Debug]",
            rows.len(),
            std::any::type_name::<T>()
        )
    }
}
