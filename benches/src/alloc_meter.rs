//! A global allocator wrapper that records the peak of live heap bytes, for the memory workload.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// Counts heap bytes allocated and freed while a measurement is on; install it with
/// `#[global_allocator]`.
///
/// Off, it only reads one flag that never changes, so it does not slow down the other workloads:
/// counting on every allocation, on one pair of shared atomics, made the two threads of W4 fight
/// over their cache line and measured the meter instead of the flows.
pub struct AllocMeter;

static ON: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed since the measurement started; below zero when more was freed
/// than allocated (blocks from before the start).
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

impl AllocMeter {
    /// Starts counting from zero.
    pub fn start() {
        LIVE.store(0, Ordering::Relaxed);
        PEAK.store(0, Ordering::Relaxed);
        ON.store(true, Ordering::SeqCst);
    }

    /// Stops counting and returns the most bytes the heap grew by since [`start`](Self::start).
    #[must_use]
    pub fn stop() -> usize {
        ON.store(false, Ordering::SeqCst);
        usize::try_from(PEAK.load(Ordering::Relaxed)).unwrap_or(0)
    }

    fn grew(by: usize) {
        if ON.load(Ordering::Relaxed) {
            let by = isize::try_from(by).unwrap_or(isize::MAX);
            let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
    }

    fn shrank(by: usize) {
        if ON.load(Ordering::Relaxed) {
            LIVE.fetch_sub(isize::try_from(by).unwrap_or(isize::MAX), Ordering::Relaxed);
        }
    }
}

// SAFETY-free: `unsafe_code` is forbidden in the workspace, so the allocator impl lives behind a
// small allowance here, the only one in the project, and only forwards to `System`.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for AllocMeter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Self::grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        Self::shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            Self::shrank(layout.size());
            Self::grew(new_size);
        }
        new
    }
}
