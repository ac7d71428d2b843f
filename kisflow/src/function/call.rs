//! [`Call`]: one call of a handler through its erased entry point, and the shared code that calls
//! plain `fn` handlers.

use std::any::Any;

use futures::future::BoxFuture;

use super::{IntoOutput, Row, Rows};
use crate::error::BoxError;
use crate::function::ctx::FlowCtx;

/// Calls a handler on one batch of rows.
pub(crate) type CallFn = for<'a> fn(&'a FlowCtx, Rows) -> Call<'a>;

/// A plain `fn` handler, typed: its rows in, its output or error back, whatever it returns
/// ([`IntoOutput`]) and whether it takes its context. `#[kis_function]` makes one per function,
/// in `KisFunction::PLAIN`, from the handler itself: no wrapper is compiled per function. A
/// handler that returns rows or nothing is called directly; one that returns a `Result` through
/// the call of its return type, compiled once per row types and return type.
///
/// ```
/// use kisflow::__private::PlainFn;
///
/// fn double(rows: Vec<i64>) -> Vec<i64> {
///     rows.into_iter().map(|n| n * 2).collect()
/// }
///
/// const PLAIN: PlainFn<i64, i64> = PlainFn::Rows(double);
/// # let _ = PLAIN;
/// ```
#[doc(hidden)]
pub enum PlainFn<In, Out> {
    /// `fn(Vec<In>) -> Vec<Out>`.
    Rows(fn(Vec<In>) -> Vec<Out>),
    /// `fn(&FlowCtx, Vec<In>) -> Vec<Out>`.
    RowsWithCtx(for<'a> fn(&'a FlowCtx, Vec<In>) -> Vec<Out>),
    /// `fn(Vec<In>)`, a sink.
    Sink(fn(Vec<In>)),
    /// `fn(&FlowCtx, Vec<In>)`, a sink.
    SinkWithCtx(for<'a> fn(&'a FlowCtx, Vec<In>)),
    /// A handler that returns a `Result`, its type erased, and the call of that type.
    Returning(&'static AnyHandler, CallReturning<In, Out>),
}

/// A handler's function pointer, its return type erased.
type AnyHandler = dyn Any + Send + Sync;

/// The call of a handler that returns a `Result`, for its return type.
type CallReturning<In, Out> =
    for<'a> fn(&'static AnyHandler, &'a FlowCtx, Vec<In>) -> Result<Vec<Out>, BoxError>;

impl<In, Out> Clone for PlainFn<In, Out> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<In, Out> Copy for PlainFn<In, Out> {}

impl<In: Row, Out: Row> PlainFn<In, Out> {
    /// A handler that takes its rows only and returns a `Result` of type `R`.
    #[must_use]
    pub const fn returning<R: IntoOutput<Out> + 'static>(
        handler: &'static fn(Vec<In>) -> R,
    ) -> Self {
        Self::Returning(handler, call_rows::<In, Out, R>)
    }

    /// A handler that takes its context, then its rows, and returns a `Result` of type `R`.
    #[must_use]
    pub const fn returning_with_ctx<R: IntoOutput<Out> + 'static>(
        handler: &'static for<'a> fn(&'a FlowCtx, Vec<In>) -> R,
    ) -> Self {
        Self::Returning(handler, call_with_ctx::<In, Out, R>)
    }

    /// Calls the handler on `rows`.
    #[inline]
    pub(crate) fn call(self, ctx: &FlowCtx, rows: Vec<In>) -> Result<Vec<Out>, BoxError> {
        match self {
            Self::Rows(handler) => Ok(handler(rows)),
            Self::RowsWithCtx(handler) => Ok(handler(ctx, rows)),
            Self::Sink(handler) => {
                handler(rows);
                Ok(Vec::new())
            }
            Self::SinkWithCtx(handler) => {
                handler(ctx, rows);
                Ok(Vec::new())
            }
            Self::Returning(handler, call) => call(handler, ctx, rows),
        }
    }
}

/// Calls `handler`, a `fn(Vec<In>) -> R` as [`PlainFn::returning`] pairs them: the downcast is to
/// the type it was made from, so it cannot fail, and it costs nothing once inlined.
#[inline]
fn call_rows<In: Row, Out, R: IntoOutput<Out> + 'static>(
    handler: &'static AnyHandler,
    ctx: &FlowCtx,
    rows: Vec<In>,
) -> Result<Vec<Out>, BoxError> {
    match <dyn Any>::downcast_ref::<fn(Vec<In>) -> R>(handler) {
        Some(handler) => handler(rows).into_output(),
        None => Err(not_its_handler(ctx)),
    }
}

/// Calls `handler`, a `fn(&FlowCtx, Vec<In>) -> R`, as [`PlainFn::returning_with_ctx`] pairs
/// them.
#[inline]
fn call_with_ctx<In: Row, Out, R: IntoOutput<Out> + 'static>(
    handler: &'static AnyHandler,
    ctx: &FlowCtx,
    rows: Vec<In>,
) -> Result<Vec<Out>, BoxError> {
    match <dyn Any>::downcast_ref::<for<'a> fn(&'a FlowCtx, Vec<In>) -> R>(handler) {
        Some(handler) => handler(ctx, rows).into_output(),
        None => Err(not_its_handler(ctx)),
    }
}

/// The error of a `PlainFn` whose handler is not of the type its call expects, which its
/// constructors rule out.
#[cold]
fn not_its_handler(ctx: &FlowCtx) -> BoxError {
    format!(
        "internal error: the handler of function `{}` is not of the type its call expects; \
         please report this",
        ctx.function_name()
    )
    .into()
}

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
    /// Calls the plain `fn` handler of `ctx`'s function (its `KisFunction::PLAIN`, which
    /// `#[kis_function]` keeps in its `INFO`) on erased `rows`. Generic over the row types only,
    /// so it is compiled once per pair of them, not once per function.
    #[inline]
    pub fn plain<In: Row, Out: Row>(ctx: &FlowCtx, rows: Rows) -> Self {
        // `match`es and early returns rather than combinators or a tuple: this is compiled once
        // per pair of row types, and a debug build compiles each combinator, closure and drop of
        // a temporary as code of its own.
        let handler = match ctx.erased().plain {
            // As a plain `dyn Any`, whose `downcast_ref` the `+ Send + Sync` one calls.
            Some(plain) => <dyn Any>::downcast_ref::<Option<PlainFn<In, Out>>>(plain),
            None => None,
        };
        let Some(Some(handler)) = handler else {
            return Self::not_its_rows(ctx);
        };
        let Ok(rows) = rows.downcast::<In>() else {
            return Self::not_its_rows(ctx);
        };
        Self::Ready(match handler.call(ctx, rows) {
            Ok(out) => Ok(Rows::new(out)),
            Err(err) => Err(err),
        })
    }

    /// The call of `ctx`'s function on rows of another type than its input, or through another
    /// handler than its own, which the checks before a flow runs rule out.
    #[cold]
    fn not_its_rows(ctx: &FlowCtx) -> Self {
        Self::mismatch(ctx.function_name(), ctx.function().input().name())
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
