//! [`FlowShared`]: what the contexts of one flow instance share, and the run limits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::error::Result;
use crate::function::Stage;
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
    /// Whether runs keep what the last function emits, as JSON (`DynFlow::run_json`).
    pub(crate) capture: std::sync::atomic::AtomicBool,
    pub(crate) captured: std::sync::Mutex<Vec<serde_json::Value>>,
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
            capture: std::sync::atomic::AtomicBool::new(false),
            captured: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn cache(&self) -> &Cache {
        self.cache.get_or_init(Cache::new)
    }

    /// Runs `run` keeping what the last function emits, as JSON, and returns it.
    pub(crate) async fn capturing(
        self: Arc<Self>,
        run: impl Future<Output = Result<()>>,
    ) -> Result<Vec<serde_json::Value>> {
        self.capture.store(true, Ordering::Relaxed);
        let result = run.await;
        self.capture.store(false, Ordering::Relaxed);
        let mut captured = self
            .captured
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let rows = std::mem::take(&mut *captured);
        result.map(|()| rows)
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
