//! Which binlog position may be stored: the end of the last transaction whose rows, and all rows
//! before them, are acked. Acks come out of order (several flow instances), so a position is
//! stored only once everything before it is done, never past a row still pending.

use std::collections::VecDeque;

use super::Position;

/// A message's place in the binlog: the file's number, the rows event's end, the row in it.
/// Ordered as the binlog is read (file numbers grow at each rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    pub(super) file: u32,
    pub(super) pos: u64,
    pub(super) row: u32,
}

impl Key {
    /// The key of the message id `file:pos#row`, as the reader makes it. Parsed from the bytes,
    /// since every ack parses each of its ids.
    pub(super) fn parse(id: &str) -> Option<Self> {
        let id = id.as_bytes();
        let hash = id.iter().rposition(|b| *b == b'#')?;
        let colon = id[..hash].iter().rposition(|b| *b == b':')?;
        let dot = id[..colon].iter().rposition(|b| *b == b'.')?;
        Some(Self {
            file: u32::try_from(digits(&id[dot + 1..colon])?).ok()?,
            pos: digits(&id[colon + 1..hash])?,
            row: u32::try_from(digits(&id[hash + 1..])?).ok()?,
        })
    }
}

/// The number a binlog file name ends with: `binlog.000012` is 12.
pub(super) fn file_number(name: &str) -> Option<u32> {
    let name = name.as_bytes();
    let dot = name.iter().rposition(|b| *b == b'.')?;
    u32::try_from(digits(&name[dot + 1..])?).ok()
}

/// The decimal number `text` spells, or `None` for anything else (empty, a sign, overflow).
fn digits(text: &[u8]) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.iter().try_fold(0u64, |n, b| {
        let digit = b.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Rows handed out and not acked, and the transaction ends they hold back.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Rows handed out, in binlog order (they are queued in it), each with whether it is done;
    /// done rows at the front are dropped, so the front is the first pending row.
    pending: VecDeque<(Key, bool)>,
    /// Transaction ends in binlog order, each with the key just past its last row.
    ends: VecDeque<(Key, Position)>,
}

impl Progress {
    /// A row about to be handed out.
    pub(super) fn queued(&mut self, key: Key) {
        self.pending.push_back((key, false));
    }

    /// A transaction ended at `position`; every row of it was [`queued`](Self::queued) before.
    pub(super) fn ended(&mut self, position: Position) -> Option<Position> {
        let file = file_number(&position.file)?;
        let key = Key {
            file,
            pos: position.pos,
            row: 0,
        };
        // With no row queued since the last end, this end replaces it: transactions of other
        // tables add nothing to wait for.
        if let Some((last, _)) = self.ends.back()
            && self.pending.back().is_none_or(|(p, _)| p < last)
        {
            self.ends.pop_back();
        }
        self.ends.push_back((key, position));
        self.advance()
    }

    /// These rows are done: their run succeeded or they were dead-lettered. Returns the position
    /// to store when it moved.
    pub(super) fn done(&mut self, keys: impl IntoIterator<Item = Key>) -> Option<Position> {
        for key in keys {
            if let Ok(at) = self.pending.binary_search_by(|(k, _)| k.cmp(&key)) {
                self.pending[at].1 = true;
            }
        }
        while self.pending.front().is_some_and(|(_, done)| *done) {
            self.pending.pop_front();
        }
        self.advance()
    }

    fn advance(&mut self) -> Option<Position> {
        let mut reached = None;
        while let Some((end, _)) = self.ends.front() {
            if self.pending.front().is_some_and(|(first, _)| first < end) {
                break;
            }
            reached = self.ends.pop_front().map(|(_, position)| position);
        }
        reached
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pos: u64, row: u32) -> Key {
        Key { file: 1, pos, row }
    }

    fn end(pos: u64) -> Position {
        Position::new("binlog.000001", pos)
    }

    #[test]
    fn a_failed_row_holds_back_every_later_end() {
        let mut progress = Progress::default();
        for (rows_end, txn_end) in [(100, 130), (200, 230), (300, 330)] {
            progress.queued(key(rows_end, 0));
            progress.queued(key(rows_end, 1));
            assert_eq!(progress.ended(end(txn_end)), None);
        }
        // The second and third transactions are done, the first is not: nothing may be stored.
        assert_eq!(
            progress.done([key(200, 0), key(200, 1), key(300, 0), key(300, 1)]),
            None
        );
        assert_eq!(progress.done([key(100, 1)]), None);
        assert_eq!(progress.done([key(100, 0)]), Some(end(330)));
    }

    #[test]
    fn a_partly_done_transaction_is_not_stored() {
        let mut progress = Progress::default();
        progress.queued(key(100, 0));
        progress.queued(key(100, 1));
        progress.ended(end(130));
        assert_eq!(progress.done([key(100, 0)]), None);
        assert_eq!(progress.pending.front(), Some(&(key(100, 1), false)));
    }

    #[test]
    fn ends_with_nothing_pending_are_stored_at_once_and_merged() {
        let mut progress = Progress::default();
        assert_eq!(progress.ended(end(50)), Some(end(50)));
        progress.queued(key(100, 0));
        progress.ended(end(130));
        progress.ended(end(160)); // another table's transaction
        progress.ended(end(190));
        assert_eq!(progress.ends.len(), 1);
        assert_eq!(progress.done([key(100, 0)]), Some(end(190)));
    }

    #[test]
    fn ids_parse_back_to_keys_across_files() {
        let a = Key::parse("mysql-bin.000009:4567#3").unwrap();
        let b = Key::parse("mysql-bin.000010:120#0").unwrap();
        assert_eq!((a.file, a.pos, a.row), (9, 4567, 3));
        assert!(a < b);
        assert_eq!(Key::parse("nonsense"), None);
        assert_eq!(Key::parse("binlog.000001:12#-1"), None);
        assert_eq!(file_number("binlog.000123"), Some(123));
        assert_eq!(file_number("binlog"), None);
    }
}
