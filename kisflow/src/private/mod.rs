//! Not public API: re-exports for the code `#[kis_function]` and `flow!` generate, which names
//! everything through `kisflow::__private` (or `<crate = path>::__private`). Nothing is defined
//! here; anything here may change in any release, as the macros and this module are versioned
//! together.

pub use core::future::Future;
pub use core::option::Option;
pub use core::result::Result;
pub use core::{column, concat, file, line, module_path, stringify};
pub use futures::future::BoxFuture;
pub use inventory;
pub use serde_json;
pub use std::boxed::Box;
pub use std::vec::Vec;

pub use crate::action::DeclaredActions;
pub use crate::checks::{
    CloneForBranches, CloneForJump, Edge, EmitsRows, FeedsInto, Flag, MayJump, NeverJumps,
    ReusableAs, Select, Select2Flag,
};
pub use crate::error::{BoxError, Error};
pub use crate::flow::run::{Ended, Step, TypedFn, TypedRun};
pub use crate::flow::{Flow, FlowSpec, LastEmits};
pub use crate::function::ctx::FlowCtx;
pub use crate::function::{
    Abilities, Call, CloneFn, Declared, DecodeFn, EncodeFn, FmtFn, FunctionInfo, Handler,
    IntoOutput, JsonRef, KisFunction, Location, NoRows, ParamType, PlainFn, Probe, RowOps, Rows,
    Stage, Unsupported,
};
pub use crate::mode::Mode;
pub use crate::registry::{FlowEntry, FunctionEntry};
