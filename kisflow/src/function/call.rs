//! [`Call`]: one call of a handler through its erased entry point, and the shared code that calls
//! plain `fn` handlers.

use futures::future::BoxFuture;

use super::Rows;
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
    /// The call of a handler that returned `output`; `wrap` boxes its rows
    /// ([`RowOps::wrap_output`], so this is compiled once per row type).
    pub fn ready<T>(output: Result<Vec<T>, BoxError>, wrap: fn(Vec<T>) -> Rows) -> Self {
        Self::Ready(output.map(wrap))
    }

    /// Calls `handler`, a plain `fn` handler as [`PlainFn`], on `rows`: `unwrap` and `wrap` take
    /// its input rows out of the batch and box its output ([`RowOps`]). Generic over the row
    /// types only, so it is compiled once per pair of them, not once per function.
    ///
    /// [`RowOps`]: super::RowOps
    #[inline]
    pub fn plain<In, Out>(
        ctx: &FlowCtx,
        rows: Rows,
        unwrap: fn(Rows) -> Result<Vec<In>, Rows>,
        wrap: fn(Vec<Out>) -> Rows,
        function: &str,
        handler: PlainFn<In, Out>,
    ) -> Self {
        match unwrap(rows) {
            Ok(rows) => Self::Ready(handler(ctx, rows).map(wrap)),
            Err(_) => Self::mismatch(function, std::any::type_name::<In>()),
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
