//! Type-level flags with which `flow!` and `#[kis_function]` have the compiler check that jumps
//! and reuse can work (inputs that are kept must be `Clone`), with messages in our words. The
//! traits' methods are only named by the generated checks, never called: the run loop copies rows
//! through the functions' erased operations.

use crate::function::FunctionInfo;

/// A type-level yes or no: whether a function may jump.
pub trait Flag {}

/// The function may jump (`actions(jump)`).
#[derive(Debug)]
pub enum Yes {}

/// The function does not jump.
#[derive(Debug)]
pub enum No {}

impl Flag for Yes {}
impl Flag for No {}

/// A flag from a `bool` computed at compile time: [`Yes`] for `Select<true>`.
#[derive(Debug)]
pub struct Select<const B: bool>;

/// The flag a [`Select`] stands for.
pub trait Select2Flag {
    /// [`Yes`] or [`No`].
    type Flag: Flag;
}

impl Select2Flag for Select<true> {
    type Flag = Yes;
}

impl Select2Flag for Select<false> {
    type Flag = No;
}

/// Whether any of a flow's functions declares `actions(jump)`.
#[must_use]
pub const fn any_jumps(functions: &[&FunctionInfo]) -> bool {
    let mut index = 0;
    while index < functions.len() {
        if functions[index].actions().jump() {
            return true;
        }
        index += 1;
    }
    false
}

/// Keeps a function's input for the rest of the run when its flow may jump (`J` is [`Yes`]): a
/// jump back re-reads it, so the rows must be `Clone`. Without jumps nothing is kept or copied.
#[diagnostic::on_unimplemented(
    message = "a function of this flow may jump (`actions(jump)`), so every function's input rows are kept for the run and must be `Clone`, but `{Self}` is not `Clone`",
    label = "this function takes `{Self}` rows, which are not `Clone`",
    note = "derive `Clone` for `{Self}`, or take `actions(jump)` off the function that jumps"
)]
pub trait Keep<J> {
    /// A copy of `rows` to keep, or `None`.
    fn keep(rows: &[Self]) -> Option<Vec<Self>>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<T> Keep<No> for T {
    #[inline]
    fn keep(_rows: &[T]) -> Option<Vec<T>> {
        None
    }
}

#[diagnostic::do_not_recommend]
impl<T: Clone> Keep<Yes> for T {
    #[inline]
    fn keep(rows: &[T]) -> Option<Vec<T>> {
        Some(rows.to_vec())
    }
}

/// Implemented when a function declaring `actions(data_reuse)` can hand its input on as its
/// output: its input rows `Self` are its output rows `O`, and `Clone`.
#[diagnostic::on_unimplemented(
    message = "`actions(data_reuse)` hands a function's input rows on as its output, so its input row type `{Self}` must be its output row type `{O}` and implement `Clone`",
    label = "declared here",
    note = "make the function emit the row type it takes (and derive `Clone` for it), or take `data_reuse` out of `actions(...)`"
)]
pub trait ReuseInto<O> {
    /// A copy of the input, typed as output.
    fn reuse(rows: &[Self]) -> Vec<O>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<T: Clone> ReuseInto<T> for T {
    #[inline]
    fn reuse(rows: &[T]) -> Vec<T> {
        rows.to_vec()
    }
}
