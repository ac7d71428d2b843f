//! `use kisflow::prelude::*;` brings what a flow author writes every day.

pub use crate::{Flow, FlowCtx, KisFunction, Mode};
#[cfg(feature = "macros")]
pub use crate::{flow, kis_function};
