//! The run loop's parts that `flow!` calls: one [`step`] per function call, the action taken after
//! it, and the type-level flags that keep inputs only where jumps or reuse need them.

mod call;
mod flags;
mod state;

use call::log_action;
pub use call::no_such_stage;
pub(crate) use call::{call, debug_enabled, debug_rows, log_retry};
pub use flags::{Flag, Keep, No, ReuseInto, Select, Select2Flag, Yes, any_jumps};
pub use state::{Goto, RunState};

use super::RowsText;
use crate::error::{Error, Result};
use crate::function::KisFunction;

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
            call(ctx, rows_in, retries > 0, handler).await
        };
        match (result, spare) {
            (Err(err), Some(spare)) if !matches!(err, Error::Panic { .. }) => {
                retries += 1;
                ctx.take_action();
                log_retry(ctx, &err, retries, retry.times);
                input = spare;
            }
            (result, _) => break (result, emitted),
        }
    };
    // Taken whatever the outcome, so a failed call leaves no action behind.
    let action = ctx.take_action();
    result?;
    let out = emitted.unwrap_or_default();
    if run.captures(index) {
        run.capture(index, F::encode_output(&out))?;
    }
    Ok(run.after(index, action, out, reusable))
}
