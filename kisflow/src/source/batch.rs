//! One batch through its flow: decode, run with retries, and, when the run keeps failing, split
//! the batch until only the messages that fail alone are left for the dead letters.

use std::time::Duration;

use super::dead_letter::DeadLetter;
use super::{Message, RunnerConfig};
use crate::error::{DecodeError, Error, ErrorKind, Result, excerpt};
use crate::flow::DynFlow;

/// What became of a batch: every message is in exactly one of `done`, `acked`, `lost`,
/// `letters` or `release`.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// Ids of the messages whose run succeeded, to ack.
    pub(super) done: Vec<String>,
    /// Ids of the messages whose run succeeded and whose state commit acked them.
    pub(super) acked: Vec<String>,
    /// Ids of messages another consumer took over before their state was committed here.
    pub(super) lost: Vec<String>,
    /// Messages given up, to send to the dead letters and then ack.
    pub(super) letters: Vec<DeadLetter>,
    /// Ids to give back to the source unacked: a failure of the flow, not of these messages.
    pub(super) release: Vec<String>,
    /// Set when the flow itself cannot run (switched off, misconfigured): the runner stops.
    pub(super) fatal: Option<Error>,
    /// Runs made again after a failure.
    pub(super) retries: u64,
}

/// The flow instance a batch runs in, with what its dead letters must name.
pub(super) struct Work<'a> {
    pub(super) flow: &'a mut dyn DynFlow,
    pub(super) source: &'a str,
    pub(super) config: &'a RunnerConfig,
    /// Set when the runner stops: a batch waiting for a connector gives up waiting.
    pub(super) stop: &'a tokio::sync::watch::Receiver<bool>,
    /// Where the last function's rows go, as JSON, after each successful run.
    pub(super) output: Option<&'a OutputHook>,
    /// The keyed state runs read and write, when the runner has a store.
    pub(super) state: Option<&'a StateRun>,
}

/// A runner's state store, and how its commits go with the source's acks.
#[derive(Clone)]
pub(super) struct StateRun {
    pub(super) store: std::sync::Arc<dyn crate::state::StateStore>,
    pub(super) pairing: crate::state::Pairing,
}

/// Runs again on fresh state in a row before the conflicts count as a failure of the run.
const MOST_CONFLICTS: u32 = 100;

/// How a run that succeeded ended once its state was committed.
enum Ran {
    /// The source is still to ack its messages.
    Done,
    /// The state commit acked them.
    Acked,
    /// Another consumer took them over: nothing was committed.
    Lost,
}

/// What [`Runner::with_output`](super::Runner::with_output) calls with each run's output.
pub(super) type OutputHook = std::sync::Arc<dyn Fn(Vec<serde_json::Value>) + Send + Sync>;

impl Work<'_> {
    /// Takes every message of `batch` to its end: done, dead-lettered or released.
    pub(super) async fn process(&mut self, batch: &[Message]) -> Outcome {
        let mut outcome = Outcome::default();
        let mut good: Vec<&Message> = Vec::with_capacity(batch.len());
        let (batch, worn): (Vec<&Message>, Vec<&Message>) = batch.iter().partition(|m| {
            self.config
                .max_deliveries
                .is_none_or(|limit| m.deliveries <= limit)
        });
        for message in worn {
            let err = Error::Redelivered {
                flow: self.flow.name().to_owned(),
                deliveries: message.deliveries,
                limit: self.config.max_deliveries.unwrap_or_default(),
            };
            outcome
                .letters
                .push(self.letter(message, &err, message.deliveries));
        }
        let batch = skip_recorded(self.state, self.source, batch, &mut outcome).await;
        for (message, result) in batch.iter().zip(self.commit(batch.iter().copied())) {
            match result {
                Ok(()) => good.push(message),
                Err(err) => outcome.letters.push(self.letter(message, &err, 1)),
            }
        }
        if !good.is_empty() {
            // The rows are committed: the first attempt runs them as they are.
            self.settle(&good, self.config.attempts, 1, true, &mut outcome)
                .await;
        }
        outcome
    }

    /// Runs `messages` with up to `attempts` tries, and splits them when that fails.
    async fn settle(
        &mut self,
        messages: &[&Message],
        attempts: u32,
        prior: u32,
        committed: bool,
        outcome: &mut Outcome,
    ) {
        let mut committed = committed;
        let mut stack = vec![(messages.to_vec(), attempts, prior)];
        while let Some((part, attempts, prior)) = stack.pop() {
            let (result, tries) = self.run_with_retries(&part, attempts, committed).await;
            committed = false;
            outcome.retries += u64::from(tries.saturating_sub(1));
            let ids = part.iter().map(|m| m.id.clone());
            let err = match result {
                Ok(Ran::Done) => {
                    outcome.done.extend(ids);
                    continue;
                }
                Ok(Ran::Acked) => {
                    outcome.acked.extend(ids);
                    continue;
                }
                Ok(Ran::Lost) => {
                    outcome.lost.extend(ids);
                    continue;
                }
                Err(err) => err,
            };
            let runs = prior + tries;
            match err.kind() {
                ErrorKind::Disabled | ErrorKind::Config | ErrorKind::Internal => {
                    outcome.release.extend(part.iter().map(|m| m.id.clone()));
                    outcome.fatal.get_or_insert(err);
                }
                ErrorKind::ConnectorUnavailable if !*self.stop.borrow() => {
                    // The messages are fine; their store is not. Hold the batch (it keeps its
                    // place in the in-flight window) and try again after a pause.
                    tracing::warn!(source = self.source, flow = self.flow.name(), error = %err.chain(), "a connector is unavailable; the batch waits for it");
                    let mut stop = self.stop.clone();
                    let pause = self.config.backoff_max;
                    let _ = tokio::time::timeout(pause, stop.wait_for(|stop| *stop)).await;
                    stack.push((part, self.config.attempts, runs));
                }
                ErrorKind::ConnectorUnavailable => {
                    outcome.release.extend(part.iter().map(|m| m.id.clone()));
                }
                _ if part.len() == 1 => outcome.letters.push(self.letter(part[0], &err, runs)),
                _ => {
                    // Halves run once each; a message alone gets every attempt before it is given
                    // up, so a passing failure during the split does not bury a good message.
                    let (left, right) = part.split_at(part.len() / 2);
                    let tries_for = |half: &[&Message]| {
                        if half.len() == 1 {
                            self.config.attempts
                        } else {
                            1
                        }
                    };
                    stack.push((right.to_vec(), tries_for(right), runs));
                    stack.push((left.to_vec(), tries_for(left), runs));
                }
            }
        }
    }

    /// One run of `messages`, tried again with a growing pause while the error may pass; with
    /// keyed state, its commit, and the run again on fresh state when the commit met a change.
    async fn run_with_retries(
        &mut self,
        messages: &[&Message],
        attempts: u32,
        committed: bool,
    ) -> (Result<Ran>, u32) {
        let mut tries = 0;
        let mut conflicts = 0u32;
        loop {
            if tries > 0 || conflicts > 0 || !committed {
                // Decoding succeeded before, and decoding is deterministic.
                let _ = self.commit(messages.iter().copied());
            }
            tries += 1;
            let txn = self.state.map(|state| self.begin(state));
            let mut result = match self.output {
                None => self.flow.run().await,
                Some(output) => self.flow.run_json().await.map(|rows| output(rows)),
            };
            let mut ran = Ran::Done;
            if let (Ok(()), Some(state), Some(txn)) = (&result, self.state, &txn) {
                use crate::state::Pairing;
                let (acks, source) = match state.pairing {
                    Pairing::Separate => (Vec::new(), None),
                    Pairing::AcksInCommit => {
                        (messages.iter().map(|m| m.id.clone()).collect(), None)
                    }
                    Pairing::RecordsIds => (
                        messages.iter().map(|m| m.id.clone()).collect(),
                        Some(self.source.to_owned()),
                    ),
                };
                match state.store.commit(&txn.commit(acks, source)).await {
                    Ok(crate::state::Committed::Done) if state.pairing == Pairing::AcksInCommit => {
                        ran = Ran::Acked;
                    }
                    Ok(crate::state::Committed::Done) => {}
                    Ok(crate::state::Committed::Lost) => ran = Ran::Lost,
                    Ok(crate::state::Committed::Conflict) if conflicts >= MOST_CONFLICTS => {
                        result = Err(Error::msg(format!(
                            "the state of this batch changed under it {conflicts} times in a row \
                             (other workers update the same keys); it runs again after a pause"
                        )));
                    }
                    Ok(crate::state::Committed::Conflict) => {
                        // Another worker changed a key this run read: run again on its value.
                        conflicts += 1;
                        tries -= 1;
                        let pause = Duration::from_millis(u64::from(conflicts.min(50)));
                        tokio::time::sleep(pause).await;
                        continue;
                    }
                    Err(err) => result = Err(err),
                }
            }
            match &result {
                Err(err) if tries < attempts.max(1) && err.kind().may_succeed_later() => {
                    tokio::time::sleep(backoff(self.config, tries)).await;
                }
                _ => return (result.map(|()| ran), tries),
            }
        }
    }

    /// A fresh state transaction, set on every function of the flow for the run about to start.
    fn begin(&self, state: &StateRun) -> std::sync::Arc<crate::state::StateTxn> {
        let txn = std::sync::Arc::new(crate::state::StateTxn::new(std::sync::Arc::clone(
            &state.store,
        )));
        for index in 0..self.flow.stages().len() {
            if let Some(ctx) = self.flow.function_ctx(index) {
                ctx.shared().set_state(Some(std::sync::Arc::clone(&txn)));
            }
        }
        txn
    }

    /// Commits each message's payload as a JSON row, in order. A row that fails is named by its
    /// message's id when that is a number (a line of `kisflow run`, a JetStream sequence), as
    /// its sender counts rows, else by its place in the batch.
    fn commit<'m>(&mut self, messages: impl Iterator<Item = &'m Message>) -> Vec<Result<()>> {
        messages
            .enumerate()
            .map(|(index, message)| {
                let committed = match std::str::from_utf8(&message.payload) {
                    Ok(text) => self.flow.commit_json(text),
                    Err(err) => Err(self.not_utf8(index + 1, &message.payload, &err)),
                };
                committed.map_err(|err| match message.id.parse::<usize>() {
                    Ok(number) => err.with_row_number(number),
                    Err(_) => err,
                })
            })
            .collect()
    }

    fn not_utf8(&self, row_number: usize, payload: &[u8], err: &std::str::Utf8Error) -> Error {
        let first = self.flow.stages().first().map(crate::Stage::function);
        Error::Decode(Box::new(DecodeError {
            flow: self.flow.name().to_owned(),
            function: first.map_or_else(String::new, |f| f.name().to_owned()),
            row_type: first.map_or("", |f| f.input().name()),
            row_number,
            row: excerpt(&String::from_utf8_lossy(payload)),
            reason: format!("the payload is not UTF-8 text ({err})"),
        }))
    }

    fn letter(&self, message: &Message, err: &Error, attempts: u32) -> DeadLetter {
        DeadLetter::new(message, self.source, self.flow.name(), err, attempts)
    }
}

/// The messages a state store that records ids has not recorded yet; the others' state is
/// committed already (the worker died before acking them), so they are only acked.
async fn skip_recorded<'m>(
    state: Option<&StateRun>,
    source: &str,
    batch: Vec<&'m Message>,
    outcome: &mut Outcome,
) -> Vec<&'m Message> {
    let Some(state) = state.filter(|s| s.pairing == crate::state::Pairing::RecordsIds) else {
        return batch;
    };
    let ids: Vec<String> = batch.iter().map(|m| m.id.clone()).collect();
    match state.store.recorded(source, &ids).await {
        Ok(recorded) if !recorded.is_empty() => {
            let recorded: std::collections::HashSet<String> = recorded.into_iter().collect();
            let (done, rest): (Vec<&Message>, Vec<&Message>) =
                batch.into_iter().partition(|m| recorded.contains(&m.id));
            outcome.done.extend(done.iter().map(|m| m.id.clone()));
            rest
        }
        Ok(_) => batch,
        // The commit checks again: a message recorded meanwhile is not counted twice.
        Err(err) => {
            tracing::warn!(source, error = %err.chain(), "the state store cannot say which messages it has; running them");
            batch
        }
    }
}

/// The pause before try `tries + 1`: the base doubled per try, capped.
pub(super) fn backoff(config: &RunnerConfig, tries: u32) -> Duration {
    let factor = 1u32 << tries.saturating_sub(1).min(16);
    config
        .backoff
        .saturating_mul(factor)
        .min(config.backoff_max)
}
