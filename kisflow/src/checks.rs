//! Every compile-time check of `flow!` and `#[kis_function]`: traits whose failures read as
//! sentences. The macros only name these traits in generated code; the compiler does the checking
//! and reports at the user's tokens. Their methods are never called by the run loop, which moves
//! rows through the functions' erased operations.

use crate::function::KisFunction;

/// Implemented by `#[kis_function]` for every function that emits rows: every function but a
/// sink. `flow!` requires it of each function that has a successor.
#[diagnostic::on_unimplemented(
    message = "`{Self}` emits no rows, so no function can follow it in a flow",
    label = "this function comes after the sink `{Self}`",
    note = "`{Self}` returns `()` or `Result<()>`, which makes it a sink; put it last in the flow, or let it return `Vec<Row>` to pass rows on"
)]
pub trait EmitsRows: KisFunction {
    /// The row type the function emits, the same as [`KisFunction::Out`].
    type Row;
}

/// Implemented when rows of type `Self`, which function `Prev` emits, are what function `Next`
/// takes (`In`): that is, when `Self` and `In` are the same type.
///
/// `flow!` asks for it once per edge, at the second function's name, so a mismatch is one error
/// that names both functions and both row types.
#[diagnostic::on_unimplemented(
    message = "function `{Prev}` emits rows of type `{Self}`, but the next function `{Next}` takes rows of type `{In}`",
    label = "`{Next}` takes `{In}` rows, but `{Prev}` emits `{Self}` rows",
    note = "in a flow each function's output row type must be the next function's input row type; change one of the two functions, or put a function between them that turns `{Self}` rows into `{In}` rows"
)]
pub trait FeedsInto<Prev, Next, In> {
    /// Hands the rows on unchanged.
    fn feed(rows: Vec<Self>) -> Vec<In>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<Prev, Next, T> FeedsInto<Prev, Next, T> for T {
    #[inline]
    fn feed(rows: Vec<T>) -> Vec<T> {
        rows
    }
}

/// An edge of a flow, `(Prev, Next)`: implemented when function `Prev` emits rows and they are of
/// the type function `Next` takes, for generic code over functions. `flow!` asks for the two
/// bounds behind it ([`EmitsRows`] and [`FeedsInto`]) itself, once per edge at the second
/// function's name, so a mismatch is one error in the words of the bound that failed.
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Calculate")]
/// fn lengths(rows: Vec<String>) -> Vec<usize> {
///     rows.iter().map(String::len).collect()
/// }
///
/// #[kis_function(mode = "Expand")]
/// fn print(rows: Vec<usize>) {
///     println!("{rows:?}");
/// }
///
/// fn assert_edge<E: kisflow::Edge>() {}
/// assert_edge::<(lengths, print)>();
/// ```
pub trait Edge {
    /// The rows crossing the edge, as the first function emits them.
    type Row;
    /// The second function.
    type Next: KisFunction;

    /// Hands the first function's rows to the second, unchanged.
    fn feed(rows: Vec<Self::Row>) -> Vec<<Self::Next as KisFunction>::In>;
}

// The compiler quotes this header under a row mismatch ("the trait `Edge` is implemented for
// `(Prev, Next)`"); on one line it is quoted as one line.
#[rustfmt::skip]
impl<Prev: EmitsRows<Row: FeedsInto<Prev, Next, Next::In>>, Next: KisFunction> Edge for (Prev, Next) {
    type Row = <Prev as EmitsRows>::Row;
    type Next = Next;

    #[inline]
    fn feed(rows: Vec<Self::Row>) -> Vec<Next::In> {
        FeedsInto::feed(rows)
    }
}

/// Implemented when a function that declares `actions(data_reuse)` can hand its input on as its
/// output: its input rows `Self` are its output rows `O`, and `Clone` (the input is copied before
/// the call, since the handler takes it by value).
///
/// `#[kis_function]` asks for it at the `data_reuse` it was given:
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Verify", actions(data_reuse))]
/// fn non_empty(rows: Vec<String>) -> Vec<String> {
///     rows.into_iter().filter(|s| !s.is_empty()).collect()
/// }
///
/// fn assert_reusable<In: kisflow::ReusableAs<Out>, Out>() {}
/// assert_reusable::<String, String>();
/// ```
///
/// A function that emits another row type than it takes cannot reuse its input:
///
/// ```compile_fail
/// # use kisflow::prelude::*;
/// #[kis_function(mode = "Verify", actions(data_reuse))]
/// fn lengths(rows: Vec<String>) -> Vec<usize> {
///     rows.iter().map(String::len).collect()
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`actions(data_reuse)` hands a function's input rows on as its output, so its input row type `{Self}` must be its output row type `{O}` and implement `Clone`",
    label = "declared here",
    note = "make the function emit the row type it takes (and derive `Clone` for it), or take `data_reuse` out of `actions(...)`"
)]
pub trait ReusableAs<O> {
    /// A copy of the input, typed as output.
    fn reuse(rows: &[Self]) -> Vec<O>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<T: Clone> ReusableAs<T> for T {
    #[inline]
    fn reuse(rows: &[T]) -> Vec<T> {
        rows.to_vec()
    }
}

/// Rows a branch point copies for each of its branches: `flow!(F: a -> b -> [c, d])` needs
/// `Clone` rows out of `b`, the trunk's last function. Implemented for every `Clone` type; `Prev` is
/// that function, for the error to name it.
///
/// ```
/// fn copied<Rows: kisflow::CloneForBranches<()>>() {}
/// copied::<String>();
/// ```
#[diagnostic::on_unimplemented(
    message = "function `{Prev}` feeds more than one branch, so each branch gets its own copy of its rows, but `{Self}` is not `Clone`",
    label = "`{Prev}` emits `{Self}` rows, which are not `Clone`",
    note = "derive `Clone` for `{Self}`, or make the flow a single chain without `[...]`"
)]
pub trait CloneForBranches<Prev> {
    /// A copy of the rows, for one branch.
    fn copy(rows: &[Self]) -> Vec<Self>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<Prev, T: Clone> CloneForBranches<Prev> for T {
    #[inline]
    fn copy(rows: &[T]) -> Vec<T> {
        rows.to_vec()
    }
}

/// Implemented when a flow can keep rows of type `Self` for a jump back: always when the flow
/// never jumps (`J` is [`NeverJumps`]), and for `Clone` rows when it may (`J` is [`MayJump`]). A
/// jump back re-reads the input of the function it lands on, so while any function of a flow
/// declares `actions(jump)`, every function's input is copied and kept for the run.
///
/// `flow!` asks for it at each function's name:
///
/// ```
/// use kisflow::{CloneForJump, MayJump, NeverJumps};
///
/// struct Ticket(u32); // not `Clone`
///
/// fn kept<T: CloneForJump<J>, J>() {}
/// kept::<String, MayJump>();
/// kept::<Ticket, NeverJumps>();
/// ```
///
/// ```compile_fail
/// # use kisflow::{CloneForJump, MayJump};
/// # struct Ticket(u32);
/// # fn kept<T: CloneForJump<J>, J>() {}
/// kept::<Ticket, MayJump>(); // a flow that may jump cannot keep `Ticket` rows
/// ```
#[diagnostic::on_unimplemented(
    message = "a function of this flow may jump (`actions(jump)`), so every function's input rows are kept for the run and must be `Clone`, but `{Self}` is not `Clone`",
    label = "this function takes `{Self}` rows, which are not `Clone`",
    note = "derive `Clone` for `{Self}`, or take `actions(jump)` off the function that jumps"
)]
pub trait CloneForJump<J> {
    /// A copy of `rows` to keep, or `None`.
    fn keep(rows: &[Self]) -> Option<Vec<Self>>
    where
        Self: Sized;
}

#[diagnostic::do_not_recommend]
impl<T> CloneForJump<NeverJumps> for T {
    #[inline]
    fn keep(_rows: &[T]) -> Option<Vec<T>> {
        None
    }
}

#[diagnostic::do_not_recommend]
impl<T: Clone> CloneForJump<MayJump> for T {
    #[inline]
    fn keep(rows: &[T]) -> Option<Vec<T>> {
        Some(rows.to_vec())
    }
}

/// Whether a flow may jump, as a type: [`MayJump`] or [`NeverJumps`].
pub trait Flag {}

/// A flow one of whose functions declares `actions(jump)`: see [`CloneForJump`].
#[derive(Debug)]
pub enum MayJump {}

/// A flow none of whose functions declares `actions(jump)`: see [`CloneForJump`].
#[derive(Debug)]
pub enum NeverJumps {}

impl Flag for MayJump {}
impl Flag for NeverJumps {}

/// A flag from a `bool` computed at compile time: [`MayJump`] for `Select<true>`.
#[derive(Debug)]
pub struct Select<const B: bool>;

/// The flag a [`Select`] stands for.
pub trait Select2Flag {
    /// [`MayJump`] or [`NeverJumps`].
    type Flag: Flag;
}

impl Select2Flag for Select<true> {
    type Flag = MayJump;
}

impl Select2Flag for Select<false> {
    type Flag = NeverJumps;
}

/// The crate's own code can use its macros (`extern crate self as kisflow` in lib.rs), and what
/// they generate passes these checks.
#[cfg(all(test, feature = "macros"))]
mod tests {
    use crate::{CloneForJump, Edge, KisFunction, MayJump, ReusableAs, flow, kis_function};

    #[kis_function(mode = "Verify", actions(data_reuse, jump))]
    fn positive(rows: Vec<i64>) -> Vec<i64> {
        rows.into_iter().filter(|n| *n > 0).collect()
    }

    #[kis_function(mode = "Expand")]
    fn drop_all(rows: Vec<i64>) {
        let _ = rows;
    }

    flow!(InCrate: positive -> drop_all);

    fn edge<E: Edge>() {}
    fn reusable<In: ReusableAs<Out>, Out>() {}
    fn kept<T: CloneForJump<MayJump>>() {}

    #[test]
    fn generated_code_names_this_crate() {
        edge::<(positive, drop_all)>();
        reusable::<<positive as KisFunction>::In, <positive as KisFunction>::Out>();
        kept::<<drop_all as KisFunction>::In>();
        assert_eq!(InCrate::new().name(), "InCrate");
    }
}
