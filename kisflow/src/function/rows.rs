//! [`Rows`]: a batch of rows whose type is known only at run time, as the run loop moves it
//! between functions.

use std::any::Any;

/// A batch of rows of a type known only at run time, and its length.
///
/// Its shape follows its length, so that a run of one row allocates no more than the same code
/// written by hand: no box at all for an empty batch, the row's own `Vec` buffer turned into a
/// `Box<[T; 1]>` for one row, and a boxed `Vec<T>` for more, where the box is shared by the batch.
#[doc(hidden)]
pub struct Rows {
    /// `None` when `len` is 0, a `Box<[T; 1]>` when it is 1, else a `Box<Vec<T>>`.
    rows: Option<Box<dyn Any + Send>>,
    len: usize,
}

impl Rows {
    /// `rows`, erased.
    #[must_use]
    #[inline]
    pub fn new<T: Send + 'static>(rows: Vec<T>) -> Self {
        let len = rows.len();
        let rows = match len {
            0 => None,
            1 => Some(one(rows)),
            _ => Some(Box::new(rows) as Box<dyn Any + Send>),
        };
        Self { rows, len }
    }

    /// A batch without rows, which is empty in every row type.
    #[must_use]
    pub(crate) fn empty() -> Self {
        Self { rows: None, len: 0 }
    }

    /// How many rows.
    #[must_use]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    #[must_use]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rows as a `Vec<T>`, or themselves back when they are of another type. An empty batch
    /// is empty in every type.
    #[inline]
    pub fn downcast<T: Send + 'static>(self) -> Result<Vec<T>, Self> {
        let len = self.len;
        let Some(rows) = self.rows else {
            return Ok(Vec::new());
        };
        let back = |rows| Self {
            rows: Some(rows),
            len,
        };
        if len == 1 {
            // The box's buffer becomes the `Vec`'s: no copy, no allocation.
            return match rows.downcast::<[T; 1]>() {
                Ok(row) => Ok((row as Box<[T]>).into_vec()),
                Err(rows) => Err(back(rows)),
            };
        }
        rows.downcast::<Vec<T>>().map(|rows| *rows).map_err(back)
    }

    /// The rows as a slice of `T`, or `None` when they are of another type.
    pub(crate) fn as_slice<T: 'static>(&self) -> Option<&[T]> {
        match &self.rows {
            None => Some(&[]),
            Some(rows) if self.len == 1 => rows.downcast_ref::<[T; 1]>().map(|row| &row[..]),
            Some(rows) => rows.downcast_ref::<Vec<T>>().map(Vec::as_slice),
        }
    }

    /// Moves `more` rows of type `T` to the end; when these rows are of another type, nothing is
    /// added and `more` comes back as the error, so no row is lost. `Vec::append` rather than
    /// `extend`: it copies the same bytes and costs each row type far less code than the
    /// iterator machinery.
    pub(crate) fn append<T: Send + 'static>(&mut self, mut more: Vec<T>) -> Result<(), Vec<T>> {
        if self.len >= 2 {
            // A batch of many stays one: the rows go into its `Vec` in place.
            let Some(rows) = self.rows.as_mut().and_then(|r| r.downcast_mut::<Vec<T>>()) else {
                return Err(more);
            };
            rows.append(&mut more);
            self.len = rows.len();
            return Ok(());
        }
        match self.take().downcast::<T>() {
            Ok(mut rows) => {
                if rows.is_empty() {
                    rows = more; // the batch itself, without a copy
                } else {
                    rows.append(&mut more);
                }
                *self = Self::new(rows);
                Ok(())
            }
            Err(taken) => {
                *self = taken;
                Err(more)
            }
        }
    }

    /// Adds `row` at the end; when these rows are of another type, `row` comes back.
    pub(crate) fn push<T: Send + 'static>(&mut self, row: T) -> Result<(), T> {
        if self.len >= 2 {
            let Some(rows) = self.rows.as_mut().and_then(|r| r.downcast_mut::<Vec<T>>()) else {
                return Err(row);
            };
            rows.push(row);
            self.len = rows.len();
            return Ok(());
        }
        // From none or one row to more: the batch changes shape.
        match self.take().downcast::<T>() {
            Ok(mut rows) => {
                rows.push(row);
                *self = Self::new(rows);
                Ok(())
            }
            Err(taken) => {
                *self = taken;
                Err(row)
            }
        }
    }

    /// These rows, leaving an empty batch.
    fn take(&mut self) -> Self {
        std::mem::replace(self, Self::empty())
    }
}

/// A batch of one row as a `Box<[T; 1]>` in the `Vec`'s own buffer (shrunk first when it has
/// room for more).
#[inline]
fn one<T: Send + 'static>(rows: Vec<T>) -> Box<dyn Any + Send> {
    match <Box<[T; 1]>>::try_from(rows.into_boxed_slice()) {
        Ok(row) => row,
        // Only called with one row; a `Vec` box is a batch of any length, should that change.
        Err(rows) => Box::new(rows.into_vec()),
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} rows]", self.len)
    }
}
