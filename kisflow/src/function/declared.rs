//! What `#[kis_function]` declares of a function beside its name and row types: [`Declared`]
//! (params, their types, actions, connector) and its [`Handler`].

use std::any::Any;

use super::{CallFn, ParamType, PlainFn};
use crate::action::DeclaredActions;

/// The params, param types, actions and connector a function declares. Most functions declare
/// none and share [`Declared::NONE`], so their `INFO` costs the compiler one path, not four
/// expressions.
#[doc(hidden)]
#[derive(Debug)]
pub struct Declared {
    pub(crate) params: &'static [(&'static str, &'static str)],
    pub(crate) param_types: &'static [ParamType],
    pub(crate) actions: DeclaredActions,
    pub(crate) conn: Option<&'static str>,
}

impl Declared {
    /// No params, no actions, no connector.
    pub const NONE: Self = Self::__new(&[], &[], DeclaredActions::__new(false, false), None);

    #[doc(hidden)]
    #[must_use]
    pub const fn __new(
        params: &'static [(&'static str, &'static str)],
        param_types: &'static [ParamType],
        actions: DeclaredActions,
        conn: Option<&'static str>,
    ) -> Self {
        Self {
            params,
            param_types,
            actions,
            conn,
        }
    }
}

/// How the run loop calls a function's handler: a plain `fn` through its `KisFunction::PLAIN`
/// (found by the shared call of its row types), an `async fn` through its own call.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Handler {
    /// A plain `fn`: its `KisFunction::PLAIN`, an `Option<PlainFn<In, Out>>`.
    Plain(&'static (dyn Any + Send + Sync)),
    /// An `async fn`: its call on erased rows.
    Async(CallFn),
}

impl Handler {
    /// A plain `fn` handler's `PLAIN`. Generic, so that the erasure is checked once here rather
    /// than in each function's `INFO`; bounded by `'static` only, so that a row type that is not
    /// a row is reported once, where the function declares it.
    #[must_use]
    pub const fn plain<In: 'static, Out: 'static>(
        plain: &'static Option<PlainFn<In, Out>>,
    ) -> Self {
        Self::Plain(plain)
    }
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Plain(_) => "Plain",
            Self::Async(_) => "Async",
        })
    }
}
