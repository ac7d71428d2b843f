//! One flow instance of a [`Runner`](super::Runner): fetch, process, send dead letters, ack,
//! until the source ends or a stop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::RunnerConfig;
use super::tally::Tally;
use crate::error::{Error, Result};
use crate::flow::DynFlow;
use crate::metrics::source::SourceMetrics;
use crate::source::batch::{Outcome, OutputHook, StateRun, Work, backoff};
use crate::source::dead_letter::{DeadLetter, DeadLetterSink};
use crate::source::{Message, MessageId, Source};

/// One flow instance's loop: fetch, process, settle, until the source ends or a stop.
pub(super) struct Worker {
    pub(super) source: Arc<dyn Source>,
    pub(super) dead_letters: Arc<dyn DeadLetterSink>,
    pub(super) config: RunnerConfig,
    pub(super) tally: Arc<Tally>,
    pub(super) stop: watch::Receiver<bool>,
    /// While true, fetch nothing: the batch in hand was settled before this is looked at.
    pub(super) paused: watch::Receiver<bool>,
    pub(super) metrics: Option<SourceMetrics>,
    pub(super) output: Option<OutputHook>,
    pub(super) state: Option<StateRun>,
}

impl Worker {
    pub(super) async fn run(mut self, mut flow: Box<dyn DynFlow>) -> Result<()> {
        let mut failures = 0;
        while !*self.stop.borrow() {
            if *self.paused.borrow() {
                self.wait_resumed().await;
                continue;
            }
            let fetched = self
                .source
                .fetch(self.config.batch_size, self.config.batch_wait)
                .await;
            let batch = match fetched {
                Ok(Some(batch)) => batch,
                Ok(None) => return Ok(()),
                // A source that says its setup is wrong (a purged binlog position, a server
                // setting) cannot be mended by trying again: stop with its message.
                Err(err) if err.kind() == crate::ErrorKind::Config => return Err(err),
                Err(err) => {
                    failures += 1;
                    let pause = backoff(&self.config, failures);
                    tracing::warn!(
                        source = self.source.name(),
                        error = %err.chain(),
                        ?pause,
                        "fetch failed; trying again"
                    );
                    self.pause(pause).await;
                    continue;
                }
            };
            failures = 0;
            if batch.is_empty() {
                continue;
            }
            self.tally.received(batch.len());
            let fetched = Instant::now();
            if let Some(metrics) = &self.metrics {
                metrics.fetched(batch.len());
            }
            let mut work = Work {
                flow: flow.as_mut(),
                source: self.source.name(),
                config: &self.config,
                stop: &self.stop,
                output: self.output.as_ref(),
                state: self.state.as_ref(),
            };
            let work = work.process(&batch);
            let outcome = match self.source.progress_every() {
                None => work.await,
                Some(every) => self.with_progress(work, &batch, every).await,
            };
            if let Some(err) = self.settle(batch, outcome, fetched).await {
                return Err(err);
            }
        }
        Ok(())
    }

    /// Runs `work`, telling the source every `every` that the batch's messages are still in
    /// progress, so a long run does not have them delivered again elsewhere.
    async fn with_progress(
        &self,
        work: impl std::future::Future<Output = Outcome>,
        batch: &[Message],
        every: Duration,
    ) -> Outcome {
        let progress = async {
            tokio::time::sleep(every).await;
            // Made only for a batch that runs this long: most never do.
            let ids: Vec<MessageId> = batch.iter().map(|m| m.id.clone()).collect();
            loop {
                if let Err(err) = self.source.in_progress(&ids).await {
                    tracing::warn!(source = self.source.name(), error = %err.chain(), "in-progress ack failed");
                }
                tokio::time::sleep(every).await;
            }
        };
        let work = std::pin::pin!(work);
        let progress = std::pin::pin!(progress);
        match futures::future::select(work, progress).await {
            futures::future::Either::Left((outcome, _)) => outcome,
            futures::future::Either::Right((never, _)) => never,
        }
    }

    /// Sends the dead letters, then acks what is done; returns the error that stops the runner.
    async fn settle(
        &mut self,
        mut batch: Vec<Message>,
        outcome: Outcome,
        fetched: Instant,
    ) -> Option<Error> {
        self.tally.retried(outcome.retries);
        let mut dead = 0;
        // The batch goes after this: its ids are moved out, not cloned (a text id would be
        // copied), and a number without a destructor left in their place.
        let mut ids = |places: &[usize]| -> Vec<MessageId> {
            places
                .iter()
                .map(|&place| std::mem::replace(&mut batch[place].id, MessageId::number(0)))
                .collect()
        };
        let mut ack = ids(&outcome.done);
        let release = ids(&outcome.release);
        let lettered = ids(&outcome.lettered);
        if !outcome.letters.is_empty() {
            match self.send_letters(&outcome.letters).await {
                Ok(()) => {
                    self.tally.dead_lettered(outcome.letters.len());
                    dead = outcome.letters.len();
                    ack.extend(lettered);
                }
                // Unsent letters stay unacked: the source delivers them again.
                Err(err) => {
                    tracing::error!(
                        source = self.source.name(),
                        error = %err.chain(),
                        "dead letters could not be stored; their messages stay unacked"
                    );
                    self.tally.unacked(outcome.letters.len());
                }
            }
        }
        if !release.is_empty() {
            tracing::warn!(
                source = self.source.name(),
                messages = release.len(),
                "a batch failed for a reason outside its messages; they stay unacked"
            );
            self.tally.unacked(release.len());
            if let Err(err) = self.source.release(&release, self.config.backoff_max).await {
                tracing::warn!(
                    source = self.source.name(),
                    error = %err.chain(),
                    "released messages could not be handed back; they come again later"
                );
            }
        }
        if !outcome.lost.is_empty() {
            tracing::warn!(
                source = self.source.name(),
                messages = outcome.lost.len(),
                "another consumer took over messages of this batch; their state was not committed here"
            );
            self.tally.unacked(outcome.lost.len());
        }
        let acked = self.ack(&ack).await;
        // Acked by the state store's commit, with the state.
        self.tally.acked(outcome.acked.len());
        if let Some(metrics) = &self.metrics {
            let dead = if acked { dead } else { 0 };
            let acked = if acked { ack.len() } else { 0 } + outcome.acked.len();
            metrics.settled(acked, dead, outcome.retries, fetched.elapsed());
        }
        debug_assert!(
            ack.len() + outcome.acked.len() + outcome.lost.len() + release.len() <= batch.len()
        );
        outcome.fatal
    }

    async fn send_letters(&self, letters: &[DeadLetter]) -> Result<()> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.dead_letters.send(letters).await {
                Ok(()) => return Ok(()),
                Err(err) if tries >= self.config.attempts.max(1) => return Err(err),
                Err(_) => tokio::time::sleep(backoff(&self.config, tries)).await,
            }
        }
    }

    /// Acks `ids`, trying again while the source is down; what cannot be acked is delivered again.
    async fn ack(&self, ids: &[MessageId]) -> bool {
        if ids.is_empty() {
            return true;
        }
        let mut tries = 0;
        loop {
            tries += 1;
            match self.source.ack(ids).await {
                Ok(()) => {
                    self.tally.acked(ids.len());
                    return true;
                }
                Err(err) if tries >= self.config.attempts.max(1) * 4 => {
                    tracing::error!(
                        source = self.source.name(),
                        error = %err.chain(),
                        messages = ids.len(),
                        "ack failed; the source will deliver these messages again"
                    );
                    self.tally.unacked(ids.len());
                    return false;
                }
                Err(_) => tokio::time::sleep(backoff(&self.config, tries)).await,
            }
        }
    }

    /// Waits for a resume, or a stop.
    async fn wait_resumed(&mut self) {
        let resumed = std::pin::pin!(self.paused.wait_for(|paused| !*paused));
        let stopped = std::pin::pin!(self.stop.wait_for(|stop| *stop));
        let _ = futures::future::select(resumed, stopped).await;
    }

    /// Sleeps `pause`, or less when a stop comes.
    async fn pause(&mut self, pause: Duration) {
        let _ = tokio::time::timeout(pause, self.stop.wait_for(|stop| *stop)).await;
    }
}
