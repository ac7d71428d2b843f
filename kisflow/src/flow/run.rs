//! The run loop's parts that `flow!` calls: one [`step`] per function call, the action taken after
//! it, and the type-level flags that keep inputs only where jumps or reuse need them.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt;
use tracing::Instrument;

use super::RowsText;
use crate::action::{ABORT, DATA_REUSE, FORCE_ENTRY_NEXT, Taken};
use crate::ctx::FlowCtx;
use crate::error::{BoxError, Error, Result};
use crate::function::{FunctionInfo, KisFunction, Rows};

/// A type-level yes or no: whether a function may jump.
pub trait Flag {}

/// The function may jump (`actions(jump)`).
#[derive(Debug)]
pub enum Yes {}

/// The function does not jump.
#[derive(Debug)]
pub enum No {}

impl Flag for Yes {}
impl Flag for No {}

/// A flag from a `bool` computed at compile time: [`Yes`] for `Select<true>`.
#[derive(Debug)]
pub struct Select<const B: bool>;

/// The flag a [`Select`] stands for.
pub trait Select2Flag {
    /// [`Yes`] or [`No`].
    type Flag: Flag;
}

impl Select2Flag for Select<true> {
    type Flag = Yes;
}

impl Select2Flag for Select<false> {
    type Flag = No;
}

/// Whether any of a flow's functions declares `actions(jump)`.
#[must_use]
pub const fn any_jumps(functions: &[&FunctionInfo]) -> bool {
    let mut index = 0;
    while index < functions.len() {
        if functions[index].actions().jump() {
            return true;
        }
        index += 1;
    }
    false
}

/// Keeps a function's input for the rest of the run when its flow may jump (`J` is [`Yes`]): a
/// jump back re-reads it, so the rows must be `Clone`. Without jumps nothing is kept or copied.
#[diagnostic::on_unimplemented(
    message = "a function of this flow may jump (`actions(jump)`), so every function's input rows are kept for the run and must be `Clone`, but `{Self}` is not `Clone`",
    label = "this function takes `{Self}` rows, which are not `Clone`",
    note = "derive `Clone` for `{Self}`, or take `actions(jump)` off the function that jumps"
)]
pub trait Keep<J> {
    /// A copy of `rows` to keep, or `None`.
    fn keep(rows: &[Self]) -> Option<Vec<Self>>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<T> Keep<No> for T {
    #[inline]
    fn keep(_rows: &[T]) -> Option<Vec<T>> {
        None
    }
}

#[diagnostic::do_not_recommend]
impl<T: Clone> Keep<Yes> for T {
    #[inline]
    fn keep(rows: &[T]) -> Option<Vec<T>> {
        Some(rows.to_vec())
    }
}

/// Implemented when a function declaring `actions(data_reuse)` can hand its input on as its
/// output: its input rows `Self` are its output rows `O`, and `Clone`.
#[diagnostic::on_unimplemented(
    message = "`actions(data_reuse)` hands a function's input rows on as its output, so its input row type `{Self}` must be its output row type `{O}` and implement `Clone`",
    label = "declared here",
    note = "make the function emit the row type it takes (and derive `Clone` for it), or take `data_reuse` out of `actions(...)`"
)]
pub trait ReuseInto<O> {
    /// A copy of the input, typed as output.
    fn reuse(rows: &[Self]) -> Vec<O>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<T: Clone> ReuseInto<T> for T {
    #[inline]
    fn reuse(rows: &[T]) -> Vec<T> {
        rows.to_vec()
    }
}

/// Where the run goes after a call.
#[derive(Debug)]
pub enum Goto<R> {
    /// The run ends, successfully.
    Stop,
    /// Continue at this function; the rows, if any, are the next function's input.
    To(usize, Option<R>),
}

/// A batch of rows as the run loop sees it: typed (`Vec<T>`) or erased ([`Rows`]).
pub(crate) trait Batch {
    fn is_empty(&self) -> bool;
}

impl<T> Batch for Vec<T> {
    #[inline]
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

impl Batch for Rows {
    fn is_empty(&self) -> bool {
        Rows::is_empty(self)
    }
}

/// One run's bookkeeping: its contexts, how many calls it made and its last jump.
#[derive(Debug)]
pub struct RunState<'a> {
    pub(crate) ctxs: &'a [FlowCtx],
    /// Whether what the last function emits is kept, as JSON.
    capturing: bool,
    steps: usize,
    limit: usize,
    last_jump: Option<(usize, usize)>,
}

impl<'a> RunState<'a> {
    /// A run over `ctxs`, one per function, with the flow's step limit.
    #[must_use]
    pub fn new(ctxs: &'a [FlowCtx]) -> Self {
        let limit = ctxs.first().map_or(usize::MAX, |ctx| {
            ctx.shared()
                .step_limit
                .load(std::sync::atomic::Ordering::Relaxed)
        });
        let capturing = ctxs.first().is_some_and(|ctx| {
            ctx.shared()
                .capture
                .load(std::sync::atomic::Ordering::Relaxed)
        });
        Self {
            ctxs,
            capturing,
            steps: 0,
            limit,
            last_jump: None,
        }
    }

    /// Counts one call, or ends the run when the step limit is reached.
    #[inline]
    pub(crate) fn count(&mut self) -> Result<()> {
        self.steps += 1;
        if self.steps <= self.limit {
            return Ok(());
        }
        Err(self.limit_reached())
    }

    /// The error of a run that reached its step limit, naming the last jump's loop.
    #[cold]
    fn limit_reached(&self) -> Error {
        let name = |index: usize| self.ctxs[index].function_name();
        let cycle = match self.last_jump {
            Some((from, to)) if to <= from => {
                let mut names: Vec<&str> = (to..=from).map(name).collect();
                names.push(name(to));
                names.join(" -> ")
            }
            _ => "no jump back: the limit is lower than the number of functions".to_owned(),
        };
        Error::StepLimit {
            flow: self.ctxs[0].flow_name().to_owned(),
            limit: self.limit,
            cycle,
        }
    }

    /// Keeps the last function's output as JSON when the run captures it.
    #[inline]
    pub(crate) fn capture(
        &self,
        index: usize,
        encode: impl FnOnce() -> Option<Result<Vec<serde_json::Value>, serde_json::Error>>,
    ) -> Result<()> {
        if !self.capturing || index + 1 != self.ctxs.len() {
            return Ok(());
        }
        let ctx = &self.ctxs[index];
        if ctx.function().output().is_none() {
            return Ok(()); // a sink emits nothing to print
        }
        let rows = match encode() {
            Some(Ok(rows)) => rows,
            Some(Err(err)) => {
                return Err(Error::msg(format_args!(
                    "flow `{}`: the rows function `{}` emitted do not encode as JSON: {err}",
                    ctx.flow_name(),
                    ctx.function_name()
                )));
            }
            None => {
                let function = ctx.function();
                return Err(Error::msg(format_args!(
                    "flow `{}`: function `{}` emits `{}` rows, which are not `Serialize`; derive \
                     `serde::Serialize` for them to print them as JSON",
                    ctx.flow_name(),
                    function.name(),
                    function.output().map_or("()", |t| t.name())
                )));
            }
        };
        ctx.shared()
            .captured
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(rows);
        Ok(())
    }

    /// Where to go after function `index` emitted `out`, given the action it took.
    #[inline]
    pub(crate) fn after<R: Batch>(
        &mut self,
        index: usize,
        action: Taken,
        out: R,
        reusable: Option<R>,
    ) -> Goto<R> {
        if action == Taken::default() {
            // The common case: no action, so the rows go on to the next function.
            if index + 1 == self.ctxs.len() || out.is_empty() {
                return Goto::Stop;
            }
            return Goto::To(index + 1, Some(out));
        }
        log_action(&self.ctxs[index], action);
        if action.has(ABORT) {
            return Goto::Stop;
        }
        let rows = match reusable {
            Some(input) if action.has(DATA_REUSE) => input,
            _ => out,
        };
        let last = index + 1 == self.ctxs.len();
        if let Some(target) = action.jump {
            self.last_jump = Some((index, target));
            return Goto::To(target, (!last).then_some(rows));
        }
        if last || (rows.is_empty() && !action.has(FORCE_ENTRY_NEXT)) {
            return Goto::Stop;
        }
        Goto::To(index + 1, Some(rows))
    }
}

/// Calls function `F`, the `index`th of the flow, on its input `layer` (empty when its
/// predecessor has not emitted in this run), and decides where the run goes next.
///
/// Only the typed glue is generic; the call's span, metrics and panic handling are in `call`,
/// compiled once for every function.
pub async fn step<F, J>(
    run: &mut RunState<'_>,
    index: usize,
    layer: &mut Option<Vec<F::In>>,
) -> Result<Goto<Vec<F::Out>>>
where
    F: KisFunction,
    F::In: Keep<J>,
{
    run.count()?;
    let ctxs = run.ctxs;
    let ctx = &ctxs[index];
    let mut input = layer.take().unwrap_or_default();
    *layer = <F::In as Keep<J>>::keep(&input);
    let reusable = F::reusable(&input);
    let retry = ctx.retry();
    let mut retries = 0;
    let (result, emitted) = loop {
        // A copy for the next attempt, made only while retries are left.
        let spare = if retries < retry.times {
            F::clone_input(&input)
        } else {
            None
        };
        let rows_in = input.len();
        let mut emitted = None;
        let result = {
            // Polled inside `call`'s span, so its debug event lands there.
            let handler = std::pin::pin!(async {
                let rows = F::call(ctx, input).await?;
                if debug_enabled() {
                    debug_rows(&RowsText(F::fmt_output, &rows), "rows emitted");
                }
                let count = rows.len();
                emitted = Some(rows);
                Ok(count)
            });
            call(ctx, rows_in, handler).await
        };
        match (result, spare) {
            (Err(err), Some(spare)) if !matches!(err, Error::Panic { .. }) => {
                retries += 1;
                ctx.take_action();
                wait_to_retry(ctx, &err, retries, retry).await;
                input = spare;
            }
            (result, _) => break (result, emitted),
        }
    };
    // Taken whatever the outcome, so a failed call leaves no action behind.
    let action = ctx.take_action();
    result?;
    let out = emitted.unwrap_or_default();
    run.capture(index, || F::encode_output(&out))?;
    Ok(run.after(index, action, out, reusable))
}

// Logging lives in these plain functions rather than in generic ones, so that each function of
// each flow does not compile its own copy of tracing's machinery.

/// Whether debug events are wanted, checked before formatting rows.
#[inline]
pub(crate) fn debug_enabled() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
}

/// One debug event with a layer of rows.
pub(crate) fn debug_rows(rows: &dyn std::fmt::Display, message: &'static str) {
    tracing::debug!(rows = %rows, message);
}

#[cold]
fn log_action(ctx: &FlowCtx, action: Taken) {
    tracing::debug!(function = ctx.function_name(), ?action, "action taken");
}

/// Logs a failed call that will be made again, and waits the configured delay.
pub(crate) async fn wait_to_retry(
    ctx: &FlowCtx,
    err: &Error,
    attempt: u32,
    retry: crate::ctx::Retry,
) {
    tracing::warn!(
        function = ctx.function_name(),
        attempt,
        of = retry.times,
        error = %crate::error::chain(err),
        "call failed, retrying"
    );
    if !retry.delay.is_zero() {
        tokio::time::sleep(retry.delay).await;
    }
}

/// The handler's call as [`call`] drives it: its future, reporting how many rows it emitted.
pub(crate) type Handler<'a> =
    std::pin::Pin<&'a mut (dyn Future<Output = std::result::Result<usize, BoxError>> + Send + 'a)>;

/// Drives one handler call: its span, its metrics, and its error named with the flow and
/// function. A panic becomes [`Error::Panic`].
pub(crate) async fn call(ctx: &FlowCtx, rows_in: usize, handler: Handler<'_>) -> Result<usize> {
    let span = tracing::info_span!(
        "kisflow_function",
        function = ctx.function_name(),
        mode = ctx.function_mode().as_str(),
        rows_in,
        rows_out = tracing::field::Empty,
        outcome = tracing::field::Empty,
    );
    let metrics = ctx.metrics();
    let started = metrics.map(|m| {
        m.called(rows_in);
        Instant::now()
    });
    // A panicking handler ends this run with an error instead of unwinding through the caller.
    let result = match AssertUnwindSafe(handler)
        .catch_unwind()
        .instrument(span.clone())
        .await
    {
        Ok(Ok(count)) => Ok(count),
        Ok(Err(source)) => Err(Error::Handler {
            flow: ctx.flow_name().to_owned(),
            function: ctx.function_name().to_owned(),
            source,
        }),
        Err(payload) => Err(Error::Panic {
            flow: ctx.flow_name().to_owned(),
            function: ctx.function_name().to_owned(),
            message: panic_message(payload.as_ref()),
        }),
    };
    if let (Some(metrics), Some(started)) = (metrics, started) {
        metrics.returned(started.elapsed(), result.as_ref().ok().copied());
    }
    let outcome = match &result {
        Ok(0) => "empty",
        Ok(_) => "ok",
        Err(Error::Panic { .. }) => "panic",
        Err(_) => "error",
    };
    span.record("outcome", outcome);
    if let Ok(count) = &result {
        span.record("rows_out", count);
    }
    result
}

/// The text of a panic payload: `panic!("…")` gives a `&str` or a `String`.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// The error for a run that reached a function index its flow does not have, which generated
/// code cannot do; it exists so that the run loop has no panicking arm.
#[must_use]
pub fn no_such_stage(flow: &str, index: usize) -> Error {
    Error::msg(format_args!(
        "flow `{flow}`: internal error: the run reached function {index}, which the flow does not have; please report this"
    ))
}
