//! [`Rows`]: a batch of rows whose type is known only at run time, as the run loop moves it
//! between functions.

use std::any::Any;

/// A batch of rows of a type known only at run time: a boxed `Vec<T>` and its length.
#[doc(hidden)]
pub struct Rows {
    pub(super) rows: Box<dyn Any + Send>,
    pub(super) len: usize,
}

impl Rows {
    /// `rows`, boxed.
    #[must_use]
    pub fn new<T: Send + 'static>(rows: Vec<T>) -> Self {
        Self {
            len: rows.len(),
            rows: Box::new(rows),
        }
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

    /// The rows as a `Vec<T>`, or themselves back when they are of another type.
    pub fn downcast<T: Send + 'static>(self) -> Result<Vec<T>, Self> {
        match self.rows.downcast::<Vec<T>>() {
            Ok(rows) => Ok(*rows),
            Err(rows) => Err(Self {
                rows,
                len: self.len,
            }),
        }
    }

    pub(crate) fn as_vec<T: 'static>(&self) -> Option<&Vec<T>> {
        self.rows.downcast_ref::<Vec<T>>()
    }

    /// Moves `more` rows of type `T` to the end; when these rows are of another type, nothing is
    /// added and `more` comes back as the error, so no row is lost. `Vec::append` rather than `extend`: it copies the same bytes and costs
    /// each row type far less code than the iterator machinery.
    pub(crate) fn append<T: Send + 'static>(&mut self, mut more: Vec<T>) -> Result<(), Vec<T>> {
        let Some(rows) = self.rows.downcast_mut::<Vec<T>>() else {
            return Err(more);
        };
        if rows.is_empty() {
            *rows = more; // the batch itself, without a copy
        } else {
            rows.append(&mut more);
        }
        self.len = rows.len();
        Ok(())
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} rows]", self.len)
    }
}
