//! How `flow!` checks an edge between two functions: traits whose failures read as sentences.

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
/// the type function `Next` takes. `flow!` reaches every function after the first through the edge
/// that leads to it, so a mismatch is reported once, at that function.
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

impl<Prev, Next> Edge for (Prev, Next)
where
    Prev: EmitsRows,
    Next: KisFunction,
    <Prev as EmitsRows>::Row: FeedsInto<Prev, Next, Next::In>,
{
    type Row = <Prev as EmitsRows>::Row;
    type Next = Next;

    #[inline]
    fn feed(rows: Vec<Self::Row>) -> Vec<Next::In> {
        FeedsInto::feed(rows)
    }
}
