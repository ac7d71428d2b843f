//! [`Call`]: one call of a handler through its erased entry point, and the shared code that calls
//! plain `fn` handlers.

use futures::future::BoxFuture;

use super::{Row, Rows};
use crate::error::BoxError;
use crate::function::ctx::FlowCtx;

/// Calls a handler on one batch of rows.
pub(crate) type CallFn = for<'a> fn(&'a FlowCtx, Rows) -> Call<'a>;

/// A plain `fn` handler, typed: its rows in, its output or error back, whatever it returns
/// ([`IntoOutput`](super::IntoOutput)) and whether it takes its context. `#[kis_function]` makes one per function.
pub type PlainFn<In, Out> = for<'a> fn(&'a FlowCtx, Vec<In>) -> Result<Vec<Out>, BoxError>;

/// One call of a handler: done already (a plain `fn`), or a future to drive (an `async fn`).
/// Plain functions thus run without a future or an allocation of their own.
#[doc(hidden)]
pub enum Call<'a> {
    /// The handler returned.
    Ready(Result<Rows, BoxError>),
    /// The handler's future.
    Pending(BoxFuture<'a, Result<Rows, BoxError>>),
}

impl Call<'_> {
    /// Calls the plain `fn` handler of `ctx`'s function ([`PlainFn`], which `#[kis_function]`
    /// keeps in its [`Erased`](super::Erased)) on erased `rows`. Generic over the row types only,
    /// so it is compiled once per pair of them, not once per function.
    #[inline]
    pub fn plain<In: Row, Out: Row>(ctx: &FlowCtx, rows: Rows) -> Self {
        let handler = ctx
            .erased()
            .plain
            .and_then(|plain| plain.downcast_ref::<PlainFn<In, Out>>());
        match (handler, rows.downcast::<In>()) {
            (Some(handler), Ok(rows)) => Self::Ready(handler(ctx, rows).map(Rows::new)),
            _ => Self::mismatch(ctx.function_name(), std::any::type_name::<In>()),
        }
    }

    /// The call of `function`, which was handed rows of another type than its input, `input`.
    #[cold]
    #[must_use]
    pub fn mismatch(function: &str, input: &str) -> Self {
        Self::Ready(Err(format!(
            "internal error: rows of another type than `{input}` reached function `{function}`; \
             flows are type-checked before they run, please report this",
        )
        .into()))
    }
}
