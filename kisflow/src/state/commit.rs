//! [`Commit`]: what one successful run of a batch changes, applied at once; [`Also`] and
//! [`Committed`].

/// What one successful run of a batch changes: the values it read (to check nobody changed them
/// meanwhile), the values it wrote, the extra writes it asked for and the messages to ack.
///
/// ```
/// let commit = kisflow::state::Commit::default();
/// assert!(commit.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Commit {
    /// `(namespace, key, value as read)`: the commit fails with
    /// [`Committed::Conflict`] when any differs now.
    pub reads: Vec<(String, String, Option<Vec<u8>>)>,
    /// `(namespace, key, new value)`; `None` deletes the key.
    pub writes: Vec<(String, String, Option<Vec<u8>>)>,
    /// Writes outside the state, made in the same transaction.
    pub also: Vec<Also>,
    /// The ids of the batch's messages, for a store that acks them or records them.
    pub acks: Vec<String>,
    /// The source's name, for a store that records the ids ([`Pairing::RecordsIds`](super::Pairing::RecordsIds)).
    pub source: Option<String>,
}

impl Commit {
    /// Whether it changes nothing and acks nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.also.is_empty() && self.acks.is_empty()
    }
}

/// A write outside the state that goes in the same transaction as it: how a handler keeps a
/// sink equal to its state.
///
/// ```
/// use kisflow::state::Also;
///
/// let write = Also::hset("totals", "k17", "3,12");
/// assert_eq!(write, Also::HashSet { hash: "totals".into(), field: "k17".into(), value: "3,12".into() });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Also {
    /// `HSET hash field value` (the Redis store), or the same entry in a named map (the memory
    /// store).
    HashSet {
        /// The hash.
        hash: String,
        /// The field.
        field: String,
        /// The value.
        value: String,
    },
}

impl Also {
    /// `HSET hash field value`.
    #[must_use]
    pub fn hset(
        hash: impl Into<String>,
        field: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Self::HashSet {
            hash: hash.into(),
            field: field.into(),
            value: value.into(),
        }
    }
}

/// What became of a [`Commit`].
///
/// ```
/// assert_ne!(kisflow::state::Committed::Done, kisflow::state::Committed::Conflict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// Applied, acks included.
    Done,
    /// Not applied: a key the run read changed meanwhile (another worker's batch). The batch
    /// runs again on the fresh values.
    Conflict,
    /// Not applied: a message is no longer this consumer's (another consumer claimed it, so it
    /// runs there). Nothing is acked; what is still this consumer's comes again later.
    Lost,
}
