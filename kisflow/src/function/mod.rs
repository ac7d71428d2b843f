//! What `#[kis_function]` makes of a handler: the [`KisFunction`] trait and its [`FunctionInfo`].

use std::any::TypeId;

mod call;
pub(crate) mod ctx;
mod declared;
mod erased;
mod info;
mod output;
mod params;
mod probe;
mod rows;
mod stage;

pub(crate) use call::CallFn;
pub use call::{Call, PlainFn};
pub use declared::{Declared, Handler};
pub use erased::{Abilities, CloneFn, DecodeFn, EncodeFn, FmtFn, JsonRef, RowOps};
pub(crate) use erased::{Erased, RowsOf};
pub(crate) use erased::{clone_rows, count_rows, debug_rows, decode_row, encode_rows};
pub use info::{FunctionInfo, Location};
pub use output::IntoOutput;
pub use params::ParamType;
pub(crate) use params::merge_params;
pub use probe::{Probe, Unsupported};
pub use rows::Rows;
pub use stage::Stage;

/// A row type: anything that can move between threads, since flows run on any tokio runtime.
///
/// Every `Send + 'static` type is a row; there is nothing to implement.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a kisflow row: rows must be `Send + 'static` because flows run on any thread",
    label = "`{Self}` is not `Send + 'static`",
    note = "use thread-safe parts in the row type (`Arc` instead of `Rc`, `Mutex` instead of `RefCell`) and owned data instead of borrowed references"
)]
pub trait Row: Send + 'static {}

#[diagnostic::do_not_recommend]
impl<T> Row for T where T: Send + 'static {}

/// The output row type of a sink: a function that returns `()` or `Result<()>` and emits nothing.
/// It has no values, so a sink's output is always empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRows {}

/// A function registered with `#[kis_function]`.
///
/// The attribute implements this trait on a type that has the handler's own name (Rust keeps types
/// and functions apart, so the handler stays an ordinary function). `flow!` names functions through
/// it, and generic code can reach a function's [`FunctionInfo`]:
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Calculate", name = "Double")]
/// fn double(rows: Vec<i64>) -> Vec<i64> {
///     rows.into_iter().map(|n| n * 2).collect()
/// }
///
/// assert_eq!(<double as KisFunction>::INFO.name(), "Double");
/// assert_eq!(<double as KisFunction>::INFO.mode(), Mode::Calculate);
/// assert_eq!(double(vec![21]), vec![42]); // still a plain function
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a #[kis_function]",
    label = "a flow can only chain functions marked with #[kis_function]",
    note = "put `#[kis_function(mode = \"Calculate\")]` (or another mode) on the function you mean, and name that function here"
)]
pub trait KisFunction: 'static {
    /// The row type the handler takes (`rows: Vec<In>`).
    type In: Row;
    /// The row type the handler emits; [`NoRows`] for a sink.
    type Out: Row;
    /// Name, mode, row types and source location.
    const INFO: &'static FunctionInfo;
    /// The handler as a typed call, for the typed run of a `flow!` chain; `None` for an
    /// `async fn` handler, which such a run hands on to the erased loop.
    #[doc(hidden)]
    const PLAIN: Option<PlainFn<Self::In, Self::Out>> = None;
    /// What the run loop does with rows of these types: evaluated once per pair of row types and
    /// shared. Here rather than in `INFO` itself, so that a row type that is not a row is
    /// reported once, where the function declares it.
    #[doc(hidden)]
    const ROWS: &'static RowOps = &RowsOf::<Self::In, Self::Out>::OPS;
    /// Whether the function declares `actions(jump)`, read from `INFO`: a flow of a function
    /// that may jump keeps each function's input (see [`CloneForJump`](crate::CloneForJump)).
    /// `flow!` folds these constants, each evaluated once per function, where reading every
    /// function's `INFO` again in each flow cost every flow.
    #[doc(hidden)]
    const JUMPS: bool = Self::INFO.actions().jump();
}

/// A row type as the registry knows it: its `TypeId` and readable name.
#[derive(Clone, Copy)]
pub struct RowType {
    id: fn() -> TypeId,
    name: fn() -> &'static str,
}

impl RowType {
    /// The `RowType` of `T`.
    #[must_use]
    pub const fn of<T: 'static>() -> Self {
        Self {
            id: TypeId::of::<T>,
            name: std::any::type_name::<T>,
        }
    }

    /// The type's `TypeId`; two row types fit when their ids are equal.
    #[must_use]
    pub fn id(&self) -> TypeId {
        (self.id)()
    }

    /// The type's path, as `std::any::type_name` gives it (`my_app::StuScore`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        (self.name)()
    }
}

impl PartialEq for RowType {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for RowType {}

impl std::fmt::Debug for RowType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
