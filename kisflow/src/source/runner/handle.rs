//! [`RunnerHandle`]: what a dashboard or an admin endpoint sees of a running [`Runner`](super::Runner)
//! and the one thing it changes, whether the runner fetches.

use std::sync::Arc;

use tokio::sync::watch;

use super::tally::Tally;
use crate::error::Result;
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
