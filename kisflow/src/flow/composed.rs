//! [`ComposedFlow`]: a flow put together at run time from registered functions, by name (YAML
//! flows that `flow!` does not declare). Its row types are checked edge by edge when it is
//! built, before any row moves; rows then move between functions boxed, as [`Rows`].

use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::core::FlowCore;
use super::run::{Goto, RunState, call, debug_enabled, log_retry};
use super::{DynFlow, FlowSettings, JsonRow, Stage};
use crate::error::{Error, Result, excerpt};
use crate::function::{FunctionInfo, Rows};

/// A runnable flow of registered functions chosen at run time. Build one with
/// [`Registry::compose`](crate::Registry::compose); it behaves as a [`DynFlow`].
pub struct ComposedFlow {
    source: Rows,
    core: FlowCore,
}

impl ComposedFlow {
    /// Checks that each function's output rows are the next one's input rows and that a flow
    /// that may jump can keep its inputs, then builds the flow.
    pub(crate) fn new(name: &str, functions: &[&'static FunctionInfo]) -> Result<Self> {
        let Some(first) = functions.first() else {
            return Err(Error::msg(format_args!(
                "flow `{name}` has no functions; list at least one"
            )));
        };
        for pair in functions.windows(2) {
            check_edge(name, pair[0], pair[1])?;
        }
        check_jumps(name, functions)?;
        let stages: Arc<[Stage]> = functions.iter().map(|f| Stage::__new(f, &[])).collect();
        Ok(Self {
            source: (first.erased().empty_input)(),
            core: FlowCore::new(Arc::from(name), stages),
        })
    }
}

/// The edge `prev -> next`: `prev` emits rows, and of the type `next` takes.
pub(crate) fn check_edge(flow: &str, prev: &FunctionInfo, next: &FunctionInfo) -> Result<()> {
    let Some(out) = prev.output() else {
        return Err(Error::msg(format_args!(
            "flow `{flow}`: `{}` emits no rows, so no function can follow it; put it last, or \
             remove `{}` after it",
            prev.name(),
            next.name()
        )));
    };
    if out == next.input() {
        return Ok(());
    }
    Err(Error::msg(format_args!(
        "flow `{flow}`: function `{}` emits rows of type `{}`, but the next function `{}` takes \
         rows of type `{}`",
        prev.name(),
        out.name(),
        next.name(),
        next.input().name()
    )))
}

/// A flow composed at run time that may jump keeps each function's input for the run, so every
/// input row type must be `Clone`; `flow!` checks the same at compile time.
pub(crate) fn check_jumps(flow: &str, functions: &[&'static FunctionInfo]) -> Result<()> {
    if functions.iter().any(|f| f.actions().jump())
        && let Some(f) = functions.iter().find(|f| !f.input_is_clone())
    {
        return Err(Error::msg(format_args!(
            "flow `{flow}`: a function of this flow may jump (`actions(jump)`), so every \
             function's input rows are kept for the run and must be `Clone`, but `{}`, the input \
             of `{}`, is not",
            f.input().name(),
            f.name()
        )));
    }
    Ok(())
}

/// One run over boxed rows: the same loop, actions and retries as a `flow!`'s run.
async fn run(core: &FlowCore, rows: Rows) -> Result<()> {
    let ctxs = &core.ctxs;
    let jumps = ctxs.iter().any(|ctx| ctx.function().actions().jump());
    let mut layers: Vec<Option<Rows>> = ctxs.iter().map(|_| None).collect();
    layers[0] = Some(rows);
    let mut run = RunState::new(ctxs);
    let mut at = 0;
    loop {
        match step(&mut run, at, &mut layers[at], jumps).await? {
            Goto::Stop => return Ok(()),
            Goto::To(to, rows) => {
                if let (Some(rows), Some(next)) = (rows, layers.get_mut(at + 1)) {
                    *next = Some(rows);
                }
                at = to;
            }
        }
    }
}

/// Calls the `index`th function on its input layer; see the typed `step`. The two loops stay
/// apart on purpose: one shared generic helper measured 9% more instructions per one-row run and
/// 17% more IR for the typed flows, which are the hot and the common case.
async fn step(
    run: &mut RunState<'_>,
    index: usize,
    layer: &mut Option<Rows>,
    jumps: bool,
) -> Result<Goto<Rows>> {
    run.count()?;
    let ctxs = run.ctxs;
    let ctx = &ctxs[index];
    let erased = ctx.function().erased();
    let mut input = layer.take().unwrap_or_else(erased.empty_input);
    if jumps {
        *layer = erased.clone_input.and_then(|copy| copy(&input));
    }
    let reusable = erased.reusable.and_then(|copy| copy(&input));
    let retry = ctx.retry();
    let mut retries = 0;
    let (result, emitted) = loop {
        let spare = (retries < retry.times)
            .then(|| erased.clone_input.and_then(|copy| copy(&input)))
            .flatten();
        let rows_in = input.len();
        let mut emitted = None;
        let result = {
            let handler = std::pin::pin!(async {
                let rows = (erased.call)(ctx, input).await?;
                if debug_enabled() {
                    super::run::debug_rows(&format_args!("{rows:?}"), "rows emitted");
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
    let action = ctx.take_action();
    result?;
    let Some(out) = emitted else {
        return Err(Error::msg("internal error: a call succeeded without rows"));
    };
    if run.captures(index) {
        run.capture(index, erased.encode_output.and_then(|encode| encode(&out)))?;
    }
    Ok(run.after(index, action, out, reusable))
}

impl DynFlow for ComposedFlow {
    fn name(&self) -> &str {
        self.core.name()
    }

    fn id(&self) -> &str {
        &self.core.shared.id
    }

    fn stages(&self) -> &[Stage] {
        &self.core.shared.stages
    }

    fn committed(&self) -> usize {
        self.source.len()
    }

    fn metadata(&self) -> &crate::Metadata {
        &self.core.shared.metadata
    }

    fn function_ctx(&self, index: usize) -> Option<&crate::FlowCtx> {
        self.core.ctxs.get(index)
    }

    fn commit_json_str(&mut self, row: &str) -> Result<()> {
        match row.decode::<serde_json::Value>() {
            Ok(value) => self.commit_json_value(value),
            Err((err, text)) => Err(self.decode_error(&err.to_string(), text)),
        }
    }

    fn commit_json_value(&mut self, row: serde_json::Value) -> Result<()> {
        self.core.check_must(&row, self.source.len() + 1)?;
        let first = self.core.ctxs[0].function();
        match first.erased().decode_input.map(|decode| decode(&row)) {
            Some(Ok(one)) => {
                if (first.erased().append_input)(&mut self.source, one) {
                    Ok(())
                } else {
                    Err(Error::msg(
                        "internal error: a decoded row did not fit its batch",
                    ))
                }
            }
            Some(Err(err)) => Err(self.decode_error(&err.to_string(), excerpt(&row.to_string()))),
            None => Err(Error::NotJson {
                flow: self.core.name().to_owned(),
                row_type: first.input().name(),
            }),
        }
    }

    fn commit_any(&mut self, row: Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>> {
        let first = self.core.ctxs[0].function();
        (first.erased().push_input)(&mut self.source, row)
    }

    fn run(&mut self) -> BoxFuture<'_, Result<()>> {
        let first = self.core.ctxs[0].function();
        let rows = if self.core.settings.disabled.is_some() {
            (first.erased().empty_input)()
        } else {
            std::mem::replace(&mut self.source, (first.erased().empty_input)())
        };
        let span = self.core.span(rows.len());
        let count = rows.len();
        let core = &self.core;
        Box::pin(core.drive(span, count, Box::pin(run(core, rows))))
    }

    fn set_step_limit(&mut self, limit: usize) {
        self.core.set_step_limit(limit);
    }

    fn configure(&mut self, settings: &FlowSettings) -> Result<()> {
        self.core.configure(settings)
    }

    fn attach(&mut self, connector: &crate::Connector) -> Result<()> {
        self.core.attach(connector)
    }

    fn run_json(&mut self) -> BoxFuture<'_, Result<Vec<serde_json::Value>>> {
        let shared = Arc::clone(&self.core.shared);
        Box::pin(async move { shared.capturing(DynFlow::run(self)).await })
    }

    fn fork_dyn(&self) -> Box<dyn DynFlow> {
        let first = self.core.ctxs[0].function();
        Box::new(Self {
            source: (first.erased().empty_input)(),
            core: self.core.fork(),
        })
    }
}

impl ComposedFlow {
    fn decode_error(&self, reason: &str, row: String) -> Error {
        self.core.decode_error(self.source.len() + 1, reason, row)
    }
}

impl std::fmt::Debug for ComposedFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComposedFlow")
            .field("name", &self.core.name())
            .field("id", &self.core.shared.id)
            .field("committed", &self.source.len())
            .finish_non_exhaustive()
    }
}
