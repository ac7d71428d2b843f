//! [`Rows`]: a batch of rows whose type is known only at run time, as the run loop moves it
//! between functions.

use std::any::Any;

/// A batch of rows of a type known only at run time, and its length.
///
/// No box at all for an empty batch, else a boxed `Vec<T>`. One shape for any number of rows:
/// each row type costs a build less code (the one-row runs that a `Box<[T; 1]>` shape spared an
/// allocation now run typed, without a `Rows`).
///
/// The methods generic over the row type are compiled into the user's crate once per row type,
/// where a debug build compiles each closure and combinator they name (`Option::map`,
/// `bool::then`, `Box::downcast`) as a function of its own; they are written with `match` and
/// `downcast_mut` instead, which compile to a fraction of that.
#[doc(hidden)]
pub struct Rows {
    /// `None` when `len` is 0, else a `Box<Vec<T>>`.
    rows: Option<Box<dyn Any + Send>>,
    len: usize,
}

impl Rows {
    /// `rows`, erased.
    #[must_use]
    #[inline]
    pub fn new<T: Send + 'static>(rows: Vec<T>) -> Self {
        let len = rows.len();
        if len == 0 {
            return Self::empty();
        }
        Self {
            rows: Some(Box::new(rows)),
            len,
        }
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
        let Some(mut rows) = self.rows else {
            return Ok(Vec::new());
        };
        // Taken out of its box, which then goes as any box does: one downcast, no typed box.
        match as_any(&mut rows).downcast_mut::<Vec<T>>() {
            Some(typed) => Ok(std::mem::take(typed)),
            None => Err(Self {
                rows: Some(rows),
                len: self.len,
            }),
        }
    }

    /// The rows as a slice of `T`, or `None` when they are of another type.
    pub(crate) fn as_slice<T: 'static>(&self) -> Option<&[T]> {
        match &self.rows {
            None => Some(&[]),
            Some(rows) => match <dyn Any>::downcast_ref::<Vec<T>>(&**rows) {
                Some(rows) => Some(rows),
                None => None,
            },
        }
    }

    /// Moves `more` rows of type `T` to the end; when these rows are of another type, nothing is
    /// added and `more` comes back as the error, so no row is lost. `Vec::append` rather than
    /// `extend`: it copies the same bytes and costs each row type far less code than the
    /// iterator machinery.
    pub(crate) fn append<T: Send + 'static>(&mut self, mut more: Vec<T>) -> Result<(), Vec<T>> {
        let Some(rows) = self.rows.as_mut() else {
            // An empty batch takes `more` itself, without a copy: it is empty in every type.
            *self = Self::new(more);
            return Ok(());
        };
        let Some(rows) = as_any(rows).downcast_mut::<Vec<T>>() else {
            return Err(more);
        };
        rows.append(&mut more);
        self.len = rows.len();
        Ok(())
    }

    /// Adds `row` at the end; when these rows are of another type, `row` comes back.
    #[allow(
        clippy::vec_init_then_push,
        reason = "`vec![row]` compiles a boxed array and its conversion per row type"
    )]
    pub(crate) fn push<T: Send + 'static>(&mut self, row: T) -> Result<(), T> {
        let Some(rows) = &mut self.rows else {
            let mut first = Vec::new();
            first.push(row);
            *self = Self::new(first);
            return Ok(());
        };
        match as_any(rows).downcast_mut::<Vec<T>>() {
            Some(typed) => {
                typed.push(row);
                self.len = typed.len();
                Ok(())
            }
            None => Err(row),
        }
    }
}

/// The boxed rows as a plain `dyn Any`: downcast from there, not through `dyn Any + Send`'s own
/// methods, which call the plain ones and so compile a second function per row type.
fn as_any(rows: &mut Box<dyn Any + Send>) -> &mut dyn Any {
    &mut **rows
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} rows]", self.len)
    }
}
