//! [`Drive`]: the future of one run. A run of plain `fn` handlers in a chain, which nothing waits
//! for, runs whole at its first poll, in no future but this small one; only a run that waits
//! (connectors, an `async fn` handler) or that branches, jumps, retries or is traced goes on in
//! a boxed future, whose cost is small next to theirs.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tracing::Instrument;

use super::connect::connect;
use super::core::FlowCore;
use super::run::{
    self, Chained, End, Plan, RowsText, TypedFn, TypedRun, debug_enabled, debug_rows,
};
use crate::error::{Error, Result};
use crate::function::{NoRows, Row, Rows};
use crate::metrics::FlowMetrics;
use crate::metrics::clock::{Clock, Instant};

/// The future of one run of a flow instance over its source rows; see [`FlowCore::drive`].
pub(crate) struct Drive<'a, T = NoRows> {
    core: &'a FlowCore,
    /// The source rows, until the first poll starts the run.
    start: Option<Start<T>>,
    /// What is left of a run that waits.
    rest: Option<BoxFuture<'a, Result<()>>>,
}

/// The source rows of a run not yet begun.
enum Start<T> {
    /// Erased, for the erased loops.
    Rows(Rows),
    /// Typed, with the typed run `flow!` wrote for its chain.
    Typed(Vec<T>, TypedFn<T>),
}

/// How far a run went at its first poll.
enum Begun<'a> {
    /// To its end.
    Done(Result<()>),
    /// To where it waits; this future goes on.
    Rest(BoxFuture<'a, Result<()>>),
}

impl<T: Row> Future for Drive<'_, T> {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        if let Some(start) = this.start.take() {
            match start {
                Start::Rows(rows) => match this.core.begin(rows) {
                    Begun::Done(result) => return Poll::Ready(result),
                    Begun::Rest(rest) => this.rest = Some(rest),
                },
                Start::Typed(rows, typed) => {
                    if let Some(result) = this.core.begin_typed(rows, typed, &mut this.rest) {
                        return Poll::Ready(result);
                    }
                }
            }
        }
        let Some(rest) = &mut this.rest else {
            return Poll::Ready(Err(Error::Internal {
                flow: this.core.name().to_owned(),
                detail: "a run's future was polled again after it ended".to_owned(),
            }));
        };
        let poll = rest.as_mut().poll(cx);
        if poll.is_ready() {
            this.rest = None;
        }
        poll
    }
}

// `Drive` is `Unpin` whatever `T` is: it holds `T` only in a `Vec`.
impl<T> Unpin for Drive<'_, T> {}

impl FlowCore {
    /// One run over `rows`: connectors first, then the functions as the flow's plan says, with
    /// metrics, the run's span and its outcome, and the error logged once, where it ends the
    /// run. Nothing happens until the future is polled.
    pub(crate) fn drive(&self, rows: Rows) -> Drive<'_> {
        Drive {
            core: self,
            start: Some(Start::Rows(rows)),
            rest: None,
        }
    }

    /// [`drive`](Self::drive) for the typed rows of a `flow!`, with the typed run `flow!` wrote
    /// for it when it is a chain: a run that can go typed does.
    pub(crate) fn drive_typed<T: Row>(
        &self,
        rows: Vec<T>,
        typed: Option<TypedFn<T>>,
    ) -> Drive<'_, T> {
        let start = match typed {
            Some(typed) => Start::Typed(rows, typed),
            None => Start::Rows(Rows::new(rows)),
        };
        Drive {
            core: self,
            start: Some(start),
            rest: None,
        }
    }

    /// The span of one run over `rows` source rows.
    fn span(&self, rows: usize) -> tracing::Span {
        tracing::info_span!(
            "kisflow_run",
            flow = self.name(),
            flow_id = self.shared.id.as_str(),
            rows,
            outcome = tracing::field::Empty,
        )
    }

    /// Starts a run over `rows`, and runs it to its end unless it has to wait.
    fn begin(&self, rows: Rows) -> Begun<'_> {
        let count = rows.len();
        let span = self.span(count);
        if debug_enabled() {
            let fmt = self.ctxs[0].erased().fmt_input;
            span.in_scope(|| debug_rows(&RowsText(fmt, &rows), "source rows"));
        }
        // One clock read starts the run and its first call; its last call's end ends it.
        let began = self.metrics.as_ref().map(|m| {
            m.started(count);
            Instant::now()
        });
        if let Some(reason) = &self.settings.disabled {
            return Begun::Done(Err(Error::Disabled {
                flow: self.name().to_owned(),
                reason: reason.clone(),
            }));
        }
        if self.plan == Plan::Chain && !self.uses_connectors && span.is_disabled() {
            return match run::chain(&self.ctxs, rows, began) {
                Chained::Done(result, ended) => {
                    self.end(&span, began, ended, &result);
                    Begun::Done(result)
                }
                Chained::Pending(rest) => Begun::Rest(Box::pin(async move {
                    let (result, ended) = rest.await;
                    self.end(&span, began, ended, &result);
                    result
                })),
            };
        }
        Begun::Rest(Box::pin(async move {
            let mut clock = began;
            let run = self.connect_and_run(rows, &mut clock);
            let result = if span.is_disabled() {
                run.await
            } else {
                run.instrument(span.clone()).await
            };
            self.end(&span, began, clock, &result);
            result
        }))
    }

    /// Whether this run can go typed: nothing it or its flow uses needs the erased loop, that is
    /// no span or debug event a subscriber wants, no connectors, retries, jumps or data reuse,
    /// the flow is on, and no output is kept (see [`TypedRun::fits`]). Checked once per run.
    #[inline]
    fn goes_typed(&self) -> bool {
        self.plan == Plan::Chain
            && !self.uses_connectors
            && self.settings.disabled.is_none()
            && run::quiet()
            && TypedRun::fits(&self.ctxs)
    }

    /// Runs typed `rows` through `typed`, the typed run of its chain, when the run
    /// [`goes_typed`](Self::goes_typed); otherwise it begins as [`begin`](Self::begin) does.
    /// Gives the run's result when it ended; what is left of a run that waits goes to `rest`
    /// instead.
    fn begin_typed<'a, T: Row>(
        &'a self,
        rows: Vec<T>,
        typed: TypedFn<T>,
        rest: &mut Option<BoxFuture<'a, Result<()>>>,
    ) -> Option<Result<()>> {
        if !self.goes_typed() {
            return match self.begin(Rows::new(rows)) {
                Begun::Done(result) => Some(result),
                Begun::Rest(begun) => {
                    *rest = Some(begun);
                    None
                }
            };
        }
        let timer = self.metrics.as_ref().map(|m| {
            m.started(rows.len());
            Clock::get()
        });
        let mut typed_run = TypedRun::new(&self.ctxs, timer);
        let began = typed_run.clock();
        // One guard around the whole run: a panic names the function called last.
        let ended = std::panic::catch_unwind(AssertUnwindSafe(|| typed(&mut typed_run, rows)))
            .unwrap_or_else(|payload| typed_run.caught(payload));
        match ended.0 {
            End::Ran => {
                if let Some(metrics) = &self.metrics {
                    metrics_finished(metrics, began, typed_run.clock(), false);
                }
                Some(Ok(()))
            }
            End::Failed(err) => {
                let result = Err(*err);
                self.end(&tracing::Span::none(), began, typed_run.clock(), &result);
                Some(result)
            }
            End::Pending(pending) => {
                *rest = Some(Box::pin(async move {
                    let (result, ended) = pending.await;
                    self.end(&tracing::Span::none(), began, ended, &result);
                    result
                }));
                None
            }
        }
    }

    /// Initialises the connectors when a function is bound to one, then runs the functions;
    /// `clock` as [`run::run`] takes it, moved past the connectors.
    async fn connect_and_run(&self, rows: Rows, clock: &mut Option<Instant>) -> Result<()> {
        if self.uses_connectors {
            let connected = connect(&self.ctxs).await;
            if clock.is_some() {
                *clock = Some(Instant::now());
            }
            connected?;
        }
        run::run(&self.ctxs, self.plan, &self.branches, rows, clock).await
    }

    /// Ends a run that `began` and whose last call `ended`, while metrics are recorded, with
    /// `result`: its metrics, its outcome on `span`, and its error logged.
    #[inline]
    fn end(
        &self,
        span: &tracing::Span,
        began: Option<Instant>,
        ended: Option<Instant>,
        result: &Result<()>,
    ) {
        if let Some(metrics) = &self.metrics {
            metrics_finished(metrics, began, ended, result.is_err());
        }
        match result {
            Ok(()) => {
                span.record("outcome", "ok");
            }
            Err(err) => {
                span.record("outcome", "error");
                span.in_scope(|| {
                    tracing::error!(error = %crate::error::chain(err), "flow run failed");
                });
            }
        }
    }
}

/// A run's metrics at its end: it `began` and its last call `ended` (both read while metrics
/// are recorded), and it `failed` or not.
#[inline]
fn metrics_finished(
    metrics: &FlowMetrics,
    began: Option<Instant>,
    ended: Option<Instant>,
    failed: bool,
) {
    if let (Some(began), Some(ended)) = (began, ended) {
        metrics.finished(ended - began, failed);
    }
}
