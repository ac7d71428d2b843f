//! [`Late`]: a row that came too late to count, with the reason, ready for the dead letters.

use std::time::SystemTime;

use crate::error::ErrorKind;
use crate::source::{DeadLetter, Message};

use super::Window;

/// A row that came behind the watermark past what its window or join still takes: it was not
/// counted (or, in a sliding window, missed at least one of its windows), and says why.
///
/// ```
/// use std::time::Duration;
/// use kisflow::window::{Count, Windows};
/// use kisflow::source::Message;
///
/// let mut counts = Windows::tumbling(Duration::from_millis(10))
///     .name("per_10ms")
///     .build(|_: &i64| (), |t: &i64| *t, Count);
/// let _ = counts.push(25); // the watermark is now 25: window [10, 20) has closed
/// let late = counts.push(12).late.unwrap();
/// assert_eq!((late.row, late.time, late.watermark), (12, 12, 25));
/// assert_eq!(
///     late.reason,
///     "row at 12 ms is behind window [10, 20) of `per_10ms`: the watermark is 25 ms, and the \
///      window took late rows only until the watermark passed 20 ms (allowed lateness 0 ms); the \
///      row is counted in no window; raise the allowed lateness or the out-of-orderness to count \
///      rows this late"
/// );
/// let letter = late.dead_letter(&Message::new("7-0", "12"), "numbers", "Counts");
/// assert_eq!(letter.kind, kisflow::ErrorKind::Late);
/// assert_eq!(letter.function.as_deref(), Some("per_10ms"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Late<R> {
    /// The row, as it was pushed.
    pub row: R,
    /// Its event time, in milliseconds.
    pub time: i64,
    /// The watermark it came behind, in milliseconds.
    pub watermark: i64,
    /// The first window it missed; `None` for a join.
    pub window: Option<Window>,
    /// Why it was not counted, naming the row's time, the window or join, and the watermark.
    pub reason: String,
    /// The name of the window or join that refused it.
    pub operator: String,
}

impl<R> Late<R> {
    /// The dead letter of this row: `message` is what the source delivered the row in, `source`
    /// and `flow` the names the letter is filed under; the letter names the window or join as its
    /// function and has [kind](ErrorKind) `Late`. Send it with any
    /// [`DeadLetterSink`](crate::source::DeadLetterSink).
    #[must_use]
    pub fn dead_letter(&self, message: &Message, source: &str, flow: &str) -> DeadLetter {
        DeadLetter {
            payload: message.payload.to_vec(),
            source: source.to_owned(),
            message_id: message.id.to_string(),
            flow: flow.to_owned(),
            function: Some(self.operator.clone()),
            error: self.reason.clone(),
            kind: ErrorKind::Late,
            attempts: message.deliveries,
            replays: message.replays,
            time: SystemTime::now(),
        }
    }
}
