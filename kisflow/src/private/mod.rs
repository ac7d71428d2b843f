//! Not public API: support for the code `#[kis_function]` and `flow!` generate. Anything here may
//! change in any release; the macros and this module are versioned together.

pub use core::future::Future;
pub use core::option::Option;
pub use core::result::Result;
pub use core::{column, concat, file, line, module_path, stringify};
pub use futures::future::BoxFuture;
pub use inventory;
pub use serde_json;
pub use std::boxed::Box;
pub use std::vec::Vec;

mod probe;

pub use probe::*;

pub use crate::action::DeclaredActions as Actions;
pub use crate::ctx::FlowCtx;
pub use crate::edge::{Edge, EmitsRows};
pub use crate::error::{BoxError, Error};
pub use crate::flow::run::{Flag, Keep, No, ReuseInto, Select, Select2Flag, Yes, any_jumps};
pub use crate::flow::{Flow, FlowSpec};
pub use crate::function::{
    Abilities, Call, CloneFn, DecodeFn, EncodeFn, Erased, FmtFn, FunctionInfo, InputOps,
    KisFunction, Location, NoRows, RowOps, RowType, Rows, Stage,
};
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
