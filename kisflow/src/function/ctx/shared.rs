//! [`FlowShared`]: what the contexts of one flow instance share, and the run limits.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::error::Result;
use crate::function::{Rows, Stage};
use crate::ids;
use crate::store::{Cache, Metadata};

/// What the contexts of one flow instance share: its identity, stages, limits, metadata and cache.
#[derive(Debug)]
pub(crate) struct FlowShared {
    pub(crate) name: Arc<str>,
    pub(crate) id: String,
    pub(crate) stages: Arc<[Stage]>,
    pub(crate) step_limit: AtomicUsize,
    pub(crate) metadata: Metadata,
    /// Made on first use: most flows never touch their cache.
    pub(crate) cache: OnceLock<Cache>,
    /// Whether runs keep what the last function emits, and how: a [`Capture`] as a byte.
    pub(crate) capture: AtomicU8,
    /// What the last function emitted, as JSON (`DynFlow::run_json`).
    pub(crate) captured: Mutex<Vec<serde_json::Value>>,
    /// What the last function emitted, as its own batches (`Flow::run_collect`).
    pub(crate) kept: Mutex<Vec<Rows>>,
    /// The keyed state of the run going on, set by a runner with a state store.
    pub(crate) state: Mutex<Option<Arc<crate::state::StateTxn>>>,
}

/// What a run keeps of the last function's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Capture {
    /// Nothing: the rows are dropped, as in every run that asks for none.
    Nothing = 0,
    /// The rows encoded as JSON values.
    Json = 1,
    /// The rows themselves, typed.
    Rows = 2,
}

impl Capture {
    pub(crate) fn from_byte(byte: u8) -> Self {
        match byte {
            1 => Self::Json,
            2 => Self::Rows,
            _ => Self::Nothing,
        }
    }
}

impl FlowShared {
    pub(crate) fn new(name: Arc<str>, stages: Arc<[Stage]>) -> Self {
        Self {
            name,
            id: ids::new_id(ids::FLOW),
            stages,
            step_limit: AtomicUsize::new(DEFAULT_STEP_LIMIT),
            metadata: Metadata::new("flow metadata"),
            cache: OnceLock::new(),
            capture: AtomicU8::new(Capture::Nothing as u8),
            captured: Mutex::new(Vec::new()),
            kept: Mutex::new(Vec::new()),
            state: Mutex::new(None),
        }
    }

    /// The keyed state of the run going on, if a runner gave one.
    pub(crate) fn state(&self) -> Option<Arc<crate::state::StateTxn>> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets the keyed state the next runs read and write.
    pub(crate) fn set_state(&self, txn: Option<Arc<crate::state::StateTxn>>) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = txn;
    }

    pub(crate) fn cache(&self) -> &Cache {
        self.cache.get_or_init(Cache::new)
    }

    /// Runs `run` keeping what the last function emits, as JSON, and returns it.
    pub(crate) async fn capturing(
        self: Arc<Self>,
        run: impl Future<Output = Result<()>>,
    ) -> Result<Vec<serde_json::Value>> {
        self.capture.store(Capture::Json as u8, Ordering::Relaxed);
        let result = run.await;
        self.capture
            .store(Capture::Nothing as u8, Ordering::Relaxed);
        let mut captured = self.captured.lock().unwrap_or_else(PoisonError::into_inner);
        let rows = std::mem::take(&mut *captured);
        result.map(|()| rows)
    }

    /// Runs `run` keeping the batches the last function emits, typed, and returns them.
    pub(crate) async fn keeping(
        self: Arc<Self>,
        run: impl Future<Output = Result<()>>,
    ) -> Result<Vec<Rows>> {
        self.capture.store(Capture::Rows as u8, Ordering::Relaxed);
        let result = run.await;
        self.capture
            .store(Capture::Nothing as u8, Ordering::Relaxed);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let batches = std::mem::take(&mut *kept);
        result.map(|()| batches)
    }
}

/// How a failing call is retried: Go's `option.retry_times` and `retry_duration`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Retry {
    /// How many more times a failed call is made before the run fails.
    pub(crate) times: u32,
    /// How long to wait before each retry.
    pub(crate) delay: std::time::Duration,
}

/// How many function calls one run may make before it is taken for a jump loop and stopped.
pub const DEFAULT_STEP_LIMIT: usize = 10_000;
