//! One batch through its flow: decode, run with retries, and, when the run keeps failing, split
//! the batch until only the messages that fail alone are left for the dead letters.

use std::time::Duration;

use super::dead_letter::DeadLetter;
use super::{Message, RunnerConfig};
use crate::error::{DecodeError, Error, ErrorKind, Result, excerpt};
use crate::flow::DynFlow;

mod outcome;
mod state;

pub(super) use outcome::Outcome;
pub(super) use state::StateRun;
use state::skip_recorded;

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

/// Messages of a batch (their places in it) to run together, with the tries they get and the
/// runs they had before.
struct Part {
    places: Vec<usize>,
    attempts: u32,
    prior: u32,
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
        let mut fresh: Vec<usize> = Vec::with_capacity(batch.len());
        for (place, message) in batch.iter().enumerate() {
            match self.config.max_deliveries {
                Some(limit) if message.deliveries > limit => {
                    let err = Error::Redelivered {
                        flow: self.flow.name().to_owned(),
                        deliveries: message.deliveries,
                        limit,
                    };
                    let letter = self.letter(message, &err, message.deliveries);
                    outcome.give_up(place, letter);
                }
                _ => fresh.push(place),
            }
        }
        let fresh = skip_recorded(self.state, self.source, batch, fresh, &mut outcome).await;
        let results = self.commit(fresh.iter().map(|&place| &batch[place]));
        let mut good: Vec<usize> = Vec::with_capacity(fresh.len());
        for (place, result) in fresh.into_iter().zip(results) {
            match result {
                Ok(()) => good.push(place),
                Err(err) => outcome.give_up(place, self.letter(&batch[place], &err, 1)),
            }
        }
        if !good.is_empty() {
            // The rows are committed: the first attempt runs them as they are.
            let first = Part {
                places: good,
                attempts: self.config.attempts,
                prior: 1,
            };
            self.settle(batch, first, true, &mut outcome).await;
        }
        outcome
    }

    /// Runs the messages of `first` with up to its attempts, and splits them when that fails.
    async fn settle(
        &mut self,
        batch: &[Message],
        first: Part,
        committed: bool,
        outcome: &mut Outcome,
    ) {
        let mut committed = committed;
        let mut stack = vec![first];
        while let Some(Part {
            places,
            attempts,
            prior,
        }) = stack.pop()
        {
            let (result, tries) = self
                .run_with_retries(batch, &places, attempts, committed)
                .await;
            committed = false;
            outcome.retries += u64::from(tries.saturating_sub(1));
            let err = match result {
                Ok(Ran::Done) => {
                    outcome.done.extend(places);
                    continue;
                }
                Ok(Ran::Acked) => {
                    outcome.acked.extend(places);
                    continue;
                }
                Ok(Ran::Lost) => {
                    outcome.lost.extend(places);
                    continue;
                }
                Err(err) => err,
            };
            let runs = prior + tries;
            match err.kind() {
                ErrorKind::Disabled | ErrorKind::Config | ErrorKind::Internal => {
                    outcome.release.extend(places);
                    outcome.fatal.get_or_insert(err);
                }
                ErrorKind::ConnectorUnavailable if !*self.stop.borrow() => {
                    // The messages are fine; their store is not. Hold the batch (it keeps its
                    // place in the in-flight window) and try again after a pause.
                    tracing::warn!(source = self.source, flow = self.flow.name(), error = %err.chain(), "a connector is unavailable; the batch waits for it");
                    let mut stop = self.stop.clone();
                    let pause = self.config.backoff_max;
                    let _ = tokio::time::timeout(pause, stop.wait_for(|stop| *stop)).await;
                    stack.push(Part {
                        places,
                        attempts: self.config.attempts,
                        prior: runs,
                    });
                }
                ErrorKind::ConnectorUnavailable => outcome.release.extend(places),
                _ if places.len() == 1 => {
                    let letter = self.letter(&batch[places[0]], &err, runs);
                    outcome.give_up(places[0], letter);
                }
                _ => {
                    // Halves run once each; a message alone gets every attempt before it is given
                    // up, so a passing failure during the split does not bury a good message.
                    let (left, right) = places.split_at(places.len() / 2);
                    let half = |half: &[usize]| Part {
                        places: half.to_vec(),
                        attempts: if half.len() == 1 {
                            self.config.attempts
                        } else {
                            1
                        },
                        prior: runs,
                    };
                    stack.push(half(right));
                    stack.push(half(left));
                }
            }
        }
    }

    /// One run of the messages at `places`, tried again with a growing pause while the error may
    /// pass; with keyed state, its commit, and the run again on fresh state when the commit met a
    /// change.
    async fn run_with_retries(
        &mut self,
        batch: &[Message],
        places: &[usize],
        attempts: u32,
        committed: bool,
    ) -> (Result<Ran>, u32) {
        let messages = || places.iter().map(|&place| &batch[place]);
        let mut tries = 0;
        let mut conflicts = 0u32;
        loop {
            if tries > 0 || conflicts > 0 || !committed {
                // Decoding succeeded before, and decoding is deterministic.
                let _ = self.commit(messages());
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
                    Pairing::AcksInCommit => (messages().map(|m| m.id.to_string()).collect(), None),
                    Pairing::RecordsIds => (
                        messages().map(|m| m.id.to_string()).collect(),
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

    /// Commits each message's payload as a JSON row, in order. A row that fails is named by its
    /// message's id when that is a number (a line of `kisflow run`, a JetStream sequence, or
    /// text that reads as one), as its sender counts rows, else by its place in the batch.
    fn commit<'m>(&mut self, messages: impl Iterator<Item = &'m Message>) -> Vec<Result<()>> {
        messages
            .enumerate()
            .map(|(index, message)| {
                let committed = match std::str::from_utf8(&message.payload) {
                    Ok(text) => self.flow.commit_json(text),
                    Err(err) => Err(self.not_utf8(index + 1, &message.payload, &err)),
                };
                committed.map_err(|err| match row_number(&message.id) {
                    Some(number) => err.with_row_number(number),
                    None => err,
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

/// The row number an id names, when it is a number.
fn row_number(id: &super::MessageId) -> Option<usize> {
    match id.as_number() {
        Some(number) => usize::try_from(number).ok(),
        None => id.as_text()?.parse().ok(),
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
