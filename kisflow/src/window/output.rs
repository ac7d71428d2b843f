//! What the window operators hand back: [`Window`], [`WindowResult`] and [`Pushed`].

use serde::{Deserialize, Serialize};

use super::Late;

/// A window of event time, `start` inclusive, `end` exclusive, in milliseconds.
///
/// ```
/// let w = kisflow::window::Window { start: 0, end: 60_000 };
/// assert_eq!(w.end - w.start, 60_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Window {
    /// The first millisecond in the window.
    pub start: i64,
    /// The first millisecond after it.
    pub end: i64,
}

impl Window {
    pub(crate) fn starting(start: i64, size: i64) -> Self {
        Self {
            start,
            end: start.saturating_add(size),
        }
    }
}

/// The result of one key in one window: emitted when the watermark passes the window's end, and
/// again, with a higher `revision`, for each late row taken within the allowed lateness.
///
/// ```
/// use kisflow::window::{Window, WindowResult};
///
/// let r = WindowResult { key: "ann", window: Window { start: 0, end: 10 }, value: 3_u64, revision: 0 };
/// assert_eq!(r.revision, 0); // the first result; a later revision replaces it
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WindowResult<K, O> {
    /// The key the rows share.
    pub key: K,
    /// The window.
    pub window: Window,
    /// What the aggregate made of the key's rows in the window.
    pub value: O,
    /// 0 for the first result of this key and window, then 1, 2… for each update by a late row.
    pub revision: u32,
}

/// What one [`Windows::push`](super::Windows::push) gives back: results it made due, and the
/// row itself if it was late.
///
/// ```
/// # use std::time::Duration;
/// # use kisflow::window::{Count, Windows};
/// let mut counts = Windows::tumbling(Duration::from_secs(1)).build(|_: &i64| (), |t: &i64| *t, Count);
/// let _ = counts.push(100);
/// let pushed = counts.push(1_200);
/// assert_eq!(pushed.results.len(), 1);
/// assert!(pushed.late.is_none());
/// ```
#[derive(Debug)]
#[must_use = "a push can fire windows and refuse late rows; read both"]
pub struct Pushed<K, O, R> {
    /// Results emitted by this push: windows the watermark passed, and windows a late row updated.
    pub results: Vec<WindowResult<K, O>>,
    /// The row, when it came too late for at least one of its windows.
    pub late: Option<Late<R>>,
}
