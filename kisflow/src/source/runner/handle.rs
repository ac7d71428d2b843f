//! [`RunnerHandle`]: what a dashboard or an admin endpoint sees of a running [`Runner`](super::Runner),
//! and the one thing it changes, whether the runner fetches; and the task that records its lag.

use std::sync::Arc;

use tokio::sync::watch;

use super::tally::Tally;
use crate::error::Result;
use crate::metrics::source::SourceMetrics;
use crate::source::{Lag, Source};

/// A cheap, cloneable handle on a [`Runner`](super::Runner), taken with
/// [`Runner::handle`](super::Runner::handle) before it runs: its counts so far, its source's lag,
/// and pause and resume of its fetches.
///
/// A paused runner fetches nothing; the batches it already fetched finish and are acked, so
/// after them no ack happens until [`resume`](Self::resume). Nothing is lost: the messages stay
/// in the source, which hands them out on resume.
///
/// ```
/// use kisflow::prelude::*;
/// use kisflow::source::{Runner, StreamSource};
///
/// #[kis_function(mode = "Expand")]
/// fn show(rows: Vec<u32>) {
///     println!("{rows:?}");
/// }
/// flow!(Shows: show);
///
/// let runner = Runner::new(StreamSource::new("numbers", futures::stream::iter(["1"])), Shows::new().into_dyn());
/// let handle = runner.handle();
/// handle.pause();
/// assert!(handle.is_paused());
/// handle.resume();
/// assert_eq!(handle.report().received, 0);
/// assert_eq!(handle.source_name(), "numbers");
/// ```
#[derive(Clone)]
pub struct RunnerHandle {
    pub(super) paused: Arc<watch::Sender<bool>>,
    pub(super) tally: Arc<Tally>,
    pub(super) source: Arc<dyn Source>,
}

impl std::fmt::Debug for RunnerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerHandle")
            .field("source", &self.source.name())
            .field("paused", &self.is_paused())
            .finish_non_exhaustive()
    }
}

impl super::Runner {
    /// A handle to watch this runner's counts and lag and to pause and resume it while it
    /// runs; see [`RunnerHandle`].
    #[must_use]
    pub fn handle(&self) -> RunnerHandle {
        RunnerHandle {
            paused: Arc::clone(&self.paused),
            tally: Arc::clone(&self.tally),
            source: Arc::clone(&self.source),
        }
    }
}

impl RunnerHandle {
    /// Stops fetching: each flow instance finishes and acks the batch it holds, then waits.
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    /// Fetches again, from where the source stands: every message not acked is still there.
    pub fn resume(&self) {
        self.paused.send_replace(false);
    }

    /// Whether [`pause`](Self::pause) holds.
    #[must_use]
    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }

    /// What the runner has done so far; the same counts [`Runner::run`](super::Runner::run)
    /// returns at the end.
    #[must_use]
    pub fn report(&self) -> super::RunReport {
        self.tally.report()
    }

    /// The source's name, as its metrics label it.
    #[must_use]
    pub fn source_name(&self) -> &str {
        self.source.name()
    }

    /// The source's lag, asked of the source now; `None` when its backend cannot tell.
    pub async fn lag(&self) -> Result<Option<Lag>> {
        self.source.lag().await
    }
}

/// Records the source's lag every [`LAG_EVERY`](crate::source::LAG_EVERY) while the runner runs.
pub(super) async fn watch_lag(source: Arc<dyn Source>, metrics: SourceMetrics) {
    loop {
        match source.lag().await {
            Ok(Some(lag)) => metrics.lag(lag.messages, lag.seconds),
            Ok(None) => return, // this backend cannot tell
            Err(err) => {
                tracing::debug!(source = source.name(), error = %err.chain(), "lag unknown");
            }
        }
        tokio::time::sleep(crate::source::LAG_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::prelude::*;
    use crate::source::{Runner, StreamSource};

    #[kis_function(mode = "Calculate")]
    fn handle_test_keep(rows: Vec<u32>) -> Vec<u32> {
        rows
    }
    flow!(HandleTestFlow: handle_test_keep);

    /// Waits until `check` holds, for at most two seconds.
    async fn eventually(check: impl Fn() -> bool) -> bool {
        for _ in 0..200 {
            if check() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    #[tokio::test]
    async fn a_paused_runner_fetches_nothing_and_resume_loses_nothing() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let rows =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|r| (r, rx)) });
        let runner = Runner::new(
            StreamSource::new("numbers", rows),
            HandleTestFlow::new().into_dyn(),
        )
        .with_batch(10, Duration::from_millis(20));
        let handle = runner.handle();
        let running = tokio::spawn(runner.run());
        tx.send("1".into()).unwrap();
        assert!(
            eventually(|| handle.report().acked == 1).await,
            "{:?}",
            handle.report()
        );

        handle.pause();
        // The fetch already waiting may take one more batch; after it, nothing is fetched.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let paused_at = handle.report();
        for n in 2..=5 {
            tx.send(n.to_string()).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(handle.report(), paused_at, "a paused runner fetched");

        handle.resume();
        drop(tx);
        let report = running.await.unwrap().unwrap();
        assert_eq!((report.received, report.acked), (5, 5));
        assert!(!handle.is_paused());
    }
}
