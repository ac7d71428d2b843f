//! [`Runner`]: binds a [`Source`] to a flow and runs it with N instances, acking only what is done.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::Source;
use super::batch::OutputHook;
use super::dead_letter::{DeadLetterSink, MemoryDeadLetters};
use crate::error::{Error, Result};
use crate::flow::DynFlow;
use crate::metrics::source::SourceMetrics;

mod handle;
mod tally;
mod worker;

pub use handle::RunnerHandle;
pub use tally::RunReport;
use tally::Tally;
use worker::Worker;

/// How a [`Runner`] fetches, retries and drains.
///
/// ```
/// let config = kisflow::source::RunnerConfig { concurrency: 5, ..Default::default() };
/// assert_eq!(config.batch_size, 100);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerConfig {
    /// Flow instances running at once; each holds at most one fetched, unacked batch, so this is
    /// also the in-flight window.
    pub concurrency: usize,
    /// The most messages in one batch (one run).
    pub batch_size: usize,
    /// How long a fetch waits for messages before running what it has.
    pub batch_wait: Duration,
    /// Runs of a failing batch (and of a failing message alone) before it is given up.
    pub attempts: u32,
    /// The first pause between tries; it doubles each time, up to `backoff_max`.
    pub backoff: Duration,
    /// The longest pause between tries, and between fetches from a source that is down.
    pub backoff_max: Duration,
    /// How long a stop waits for the batches in flight to finish and be acked.
    pub drain_timeout: Duration,
    /// A message delivered more often than this goes to the dead letters without running: it
    /// probably stops its worker (a crash loop). `None` (the default) never gives up.
    pub max_deliveries: Option<u32>,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            concurrency: 1,
            batch_size: 100,
            batch_wait: Duration::from_millis(200),
            attempts: 3,
            backoff: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            drain_timeout: Duration::from_secs(30),
            max_deliveries: None,
        }
    }
}

/// Runs a flow over the messages of a [`Source`]: fetch a batch, commit it, run it, ack exactly
/// its messages; retries, dead letters and a graceful stop included. See the [module
/// docs](super) for an example.
pub struct Runner {
    source: Arc<dyn Source>,
    flow: Box<dyn DynFlow>,
    dead_letters: Arc<dyn DeadLetterSink>,
    config: RunnerConfig,
    metrics: Option<crate::Metrics>,
    output: Option<OutputHook>,
    state: Option<Arc<dyn crate::state::StateStore>>,
    tally: Arc<Tally>,
    paused: Arc<watch::Sender<bool>>,
}

impl Runner {
    /// A runner of `flow` over `source`, with [`RunnerConfig::default`] and dead letters kept in
    /// memory until [`with_dead_letters`](Self::with_dead_letters) says where.
    pub fn new(source: impl Source, flow: Box<dyn DynFlow>) -> Self {
        Self {
            tally: Arc::default(),
            paused: Arc::new(watch::channel(false).0),
            source: Arc::new(source),
            flow,
            dead_letters: Arc::new(MemoryDeadLetters::new()),
            config: RunnerConfig::default(),
            metrics: None,
            output: None,
            state: None,
        }
    }

    /// This runner with `config`.
    #[must_use]
    pub fn with_config(mut self, config: RunnerConfig) -> Self {
        self.config = config;
        self
    }

    /// This runner with `n` flow instances at once (at least 1): the in-flight window.
    #[must_use]
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.config.concurrency = n.max(1);
        self
    }

    /// This runner with batches of at most `size` messages, waiting at most `wait` for them.
    #[must_use]
    pub fn with_batch(mut self, size: usize, wait: Duration) -> Self {
        self.config.batch_size = size.max(1);
        self.config.batch_wait = wait;
        self
    }

    /// This runner, sending the messages it gives up to `sink`.
    #[must_use]
    pub fn with_dead_letters(mut self, sink: impl DeadLetterSink) -> Self {
        self.dead_letters = Arc::new(sink);
        self
    }

    /// This runner, recording its source's series (`source_received_total`,
    /// `source_acked_total`, `source_dead_lettered_total`, `source_in_flight`,
    /// `source_fetch_to_ack_duration`…, labelled `source`) into `metrics`. Without it, a runner
    /// records into [`Metrics::global`](crate::Metrics::global) when
    /// [`metrics::set_enabled`](crate::metrics::set_enabled) is on.
    #[must_use]
    pub fn with_metrics(mut self, metrics: &crate::Metrics) -> Self {
        self.metrics = Some(metrics.clone());
        self
    }

    /// This runner, handing what the flow's last function emits, as JSON values, to `output`
    /// after each successful run (its rows must be `Serialize`; a sink hands nothing). The
    /// embedded CLI prints them this way.
    #[must_use]
    pub fn with_output(
        mut self,
        output: impl Fn(Vec<serde_json::Value>) + Send + Sync + 'static,
    ) -> Self {
        self.output = Some(Arc::new(output));
        self
    }

    /// This runner, giving its flow keyed state in `store` ([`FlowCtx::state`](crate::FlowCtx::state)):
    /// each successful run's state changes are committed in one transaction, with the run's acks
    /// or a record of its messages when the store's [pairing](crate::state::StateStore::pairing)
    /// with the source allows (effectively once), else just before the acks (at least once; the
    /// runner warns at start). See [`kisflow::state`](crate::state).
    #[must_use]
    pub fn with_state(mut self, store: impl crate::state::StateStore) -> Self {
        self.state = Some(Arc::new(store));
        self
    }

    /// Runs until the source ends.
    pub async fn run(self) -> Result<RunReport> {
        self.run_until(std::future::pending()).await
    }

    /// Runs until the source ends or `stop` completes; then fetches no more, finishes and acks
    /// the batches in flight within the drain timeout, and returns what it did. A flow that cannot
    /// run at all (switched off, misconfigured) stops it with that error, its messages unacked.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send) -> Result<RunReport> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let tally = self.tally;
        let metrics = self
            .metrics
            .as_ref()
            .or_else(|| crate::metrics::enabled().then(crate::Metrics::global))
            .map(|metrics| SourceMetrics::new(metrics, self.source.name()));
        let mut flows: Vec<Box<dyn DynFlow>> = (1..self.config.concurrency.max(1))
            .map(|_| self.flow.fork())
            .collect();
        flows.push(self.flow);
        let state = self.state.map(|store| {
            let pairing = store.pairing(self.source.name());
            if pairing == crate::state::Pairing::Separate {
                tracing::warn!(
                    source = self.source.name(),
                    state = store.name(),
                    "this state store cannot commit the source's acks with the state: a worker \
                     that dies between the two counts its last batch twice (at least once)"
                );
            }
            super::batch::StateRun { store, pairing }
        });
        let mut running = tokio::task::JoinSet::new();
        for flow in flows {
            let worker = Worker {
                source: Arc::clone(&self.source),
                dead_letters: Arc::clone(&self.dead_letters),
                config: self.config.clone(),
                tally: Arc::clone(&tally),
                stop: stop_rx.clone(),
                paused: self.paused.subscribe(),
                metrics: metrics.clone(),
                output: self.output.clone(),
                state: state.clone(),
            };
            running.spawn(worker.run(flow));
        }
        let lag = metrics.map(|metrics| {
            let source = Arc::clone(&self.source);
            tokio::spawn(handle::watch_lag(source, metrics))
        });
        let drained = drain(&mut running, stop, &stop_tx, &self.config, &self.source).await;
        if let Some(lag) = lag {
            lag.abort();
        }
        let report = tally.report();
        drained.map(|()| report)
    }
}

/// Waits for the workers, stopping them when `stop` completes, and for at most the drain timeout
/// after that.
async fn drain(
    running: &mut tokio::task::JoinSet<Result<()>>,
    stop: impl Future<Output = ()> + Send,
    stop_tx: &watch::Sender<bool>,
    config: &RunnerConfig,
    source: &Arc<dyn Source>,
) -> Result<()> {
    let mut first_error = None;
    let mut stop = std::pin::pin!(stop);
    let mut stopping = false;
    loop {
        let next = if stopping {
            match tokio::time::timeout(config.drain_timeout, running.join_next()).await {
                Ok(next) => next,
                Err(_) => {
                    let left = running.len();
                    running.abort_all();
                    return Err(Error::Internal {
                        flow: source.name().to_owned(),
                        detail: format!(
                            "{left} flow instances did not finish within the drain timeout of \
                             {:?}; their batches stay unacked and the source delivers them again",
                            config.drain_timeout
                        ),
                    });
                }
            }
        } else {
            match futures::future::select(std::pin::pin!(running.join_next()), stop.as_mut()).await
            {
                futures::future::Either::Left((next, _)) => next,
                futures::future::Either::Right(((), _)) => {
                    stopping = true;
                    let _ = stop_tx.send(true);
                    continue;
                }
            }
        };
        let Some(joined) = next else { break };
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                // One instance met a flow that cannot run: stop the others too.
                let _ = stop_tx.send(true);
                stopping = true;
                first_error.get_or_insert(err);
            }
            Err(err) => {
                let _ = stop_tx.send(true);
                stopping = true;
                first_error.get_or_insert(internal(source, &err));
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn internal(source: &Arc<dyn Source>, err: &tokio::task::JoinError) -> Error {
    Error::Internal {
        flow: source.name().to_owned(),
        detail: format!("a flow instance task ended abnormally: {err}"),
    }
}
