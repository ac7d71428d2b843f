//! Every bad value of a document, in one read: serde stops at the first error, so the typed pass
//! runs again with each value that failed read as absent, until a run meets no new bad value.
//!
//! Readers (`fields.rs`) number their values in the order they are read; a document is read the
//! same way each time, so value `n` is the same value in every run. A reader of a value marked
//! bad skips it (and names its key, so that "missing `key`" is not reported for a value that is
//! there but of the wrong type).

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny};

/// A document has few values; a bound keeps a pathological one (thousands of bad values) from
/// being read thousands of times.
const MOST_RUNS: usize = 50;

#[derive(Default)]
struct Pass {
    /// Whether a typed pass is running (readers outside one, such as the head's, just read).
    on: bool,
    /// Values read so far in this run.
    read: usize,
    /// Values found bad in earlier runs: read as absent.
    bad: BTreeSet<usize>,
    /// The first value that failed in this run.
    failed: Option<usize>,
    /// Keys of the values read as absent.
    skipped: BTreeSet<String>,
}

thread_local! {
    static PASS: RefCell<Pass> = RefCell::default();
}

/// What [`every_problem`] found: the value of the last run, when it had no error, the error of
/// each run before, and the keys read as absent.
pub(super) struct Runs<T, E> {
    pub(super) value: Option<T>,
    pub(super) errors: Vec<E>,
    pub(super) skipped: BTreeSet<String>,
}

/// Runs `read` until it succeeds or fails on a value no run has failed on before; each failed
/// value is read as absent in the runs after it.
pub(super) fn every_problem<T, E: std::fmt::Display>(
    mut read: impl FnMut() -> Result<T, E>,
) -> Runs<T, E> {
    PASS.with(|pass| {
        *pass.borrow_mut() = Pass {
            on: true,
            ..Pass::default()
        }
    });
    let mut errors = Vec::new();
    let mut value = None;
    for _ in 0..MOST_RUNS {
        PASS.with(|pass| {
            let mut pass = pass.borrow_mut();
            pass.read = 0;
            pass.failed = None;
        });
        match read() {
            Ok(read) => {
                value = Some(read);
                break;
            }
            // A value read as absent can fail again where it is read (a section that must be
            // there): the same error at the same place, already reported.
            Err(error)
                if errors
                    .last()
                    .is_some_and(|last: &E| last.to_string() == error.to_string()) =>
            {
                break;
            }
            Err(error) => {
                errors.push(error);
                let again = PASS.with(|pass| {
                    let mut pass = pass.borrow_mut();
                    match pass.failed {
                        Some(n) => pass.bad.insert(n),
                        None => false,
                    }
                });
                if !again {
                    break;
                }
            }
        }
    }
    let skipped = PASS.with(|pass| std::mem::take(&mut *pass.borrow_mut()).skipped);
    Runs {
        value,
        errors,
        skipped,
    }
}

/// Reads one value with `read`; in a typed pass, a value found bad before is skipped and
/// `absent` returned instead, and a value that fails is noted as bad.
pub(super) fn value<'de, D, T>(
    d: D,
    key: Option<&str>,
    absent: impl FnOnce() -> T,
    read: impl FnOnce(D) -> Result<T, D::Error>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let (n, skip) = PASS.with(|pass| {
        let mut pass = pass.borrow_mut();
        let n = pass.read;
        pass.read += 1;
        let skip = pass.on && pass.bad.contains(&n);
        if skip && let Some(key) = key {
            pass.skipped.insert(key.to_owned());
        }
        (n, skip)
    });
    if skip {
        IgnoredAny::deserialize(d)?;
        return Ok(absent());
    }
    let read = read(d);
    if read.is_err() {
        // An inner value that failed first is the one to skip, not the whole of this one.
        PASS.with(|pass| {
            pass.borrow_mut().failed.get_or_insert(n);
        });
    }
    read
}
