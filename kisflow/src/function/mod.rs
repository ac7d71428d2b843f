//! What `#[kis_function]` makes of a handler: the [`KisFunction`] trait and its [`FunctionInfo`].

use std::any::TypeId;

mod call;
pub(crate) mod ctx;
mod erased;
mod output;
mod params;
mod probe;
mod rows;
mod stage;

pub(crate) use call::CallFn;
pub use call::{Call, PlainFn};
pub(crate) use erased::Erased;
pub use erased::{Abilities, CloneFn, DecodeFn, EncodeFn, FmtFn, JsonRef, RowOps, RowsOf};
pub(crate) use erased::{clone_rows, count_rows, debug_rows, decode_row, encode_rows};
pub use output::IntoOutput;
pub use params::ParamType;
pub(crate) use params::merge_params;
pub use probe::{Probe, Unsupported};
pub use rows::Rows;
pub use stage::Stage;

use crate::action::DeclaredActions;
use crate::mode::Mode;

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

/// Everything the registry knows about one `#[kis_function]`: its name, mode, row types, params,
/// actions, connector and where it is defined.
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Calculate", name = "Lengths", params(max: usize = 80))]
/// fn lengths(rows: Vec<String>) -> Vec<usize> {
///     rows.iter().map(String::len).collect()
/// }
///
/// let info = <lengths as KisFunction>::INFO;
/// assert_eq!((info.name(), info.mode()), ("Lengths", Mode::Calculate));
/// assert_eq!(info.input().name(), "alloc::string::String");
/// assert_eq!(info.output().map(|t| t.name()), Some("usize"));
/// assert_eq!(info.params(), [("max", "80")]);
/// assert!(info.location().file.ends_with(".rs"));
/// ```
#[derive(Debug)]
pub struct FunctionInfo {
    name: &'static str,
    mode: Mode,
    path: &'static str,
    location: Location,
    rows: &'static RowOps,
    /// `false` for a sink, whose output type is `NoRows`.
    emits: bool,
    params: &'static [(&'static str, &'static str)],
    param_types: &'static [ParamType],
    actions: DeclaredActions,
    conn: Option<&'static str>,
    /// An `async fn` handler's call; `None` for a plain `fn`, called through `rows`.
    call: Option<CallFn>,
    /// A plain `fn` handler's `KisFunction::PLAIN`.
    plain: Option<&'static (dyn std::any::Any + Send + Sync)>,
    can: Abilities,
}

impl FunctionInfo {
    #[doc(hidden)]
    #[must_use]
    #[allow(clippy::too_many_arguments)] // called by generated code only, one argument per field
    pub const fn __new(
        name: &'static str,
        mode: Mode,
        path: &'static str,
        location: Location,
        rows: &'static RowOps,
        emits: bool,
        params: &'static [(&'static str, &'static str)],
        param_types: &'static [ParamType],
        actions: DeclaredActions,
        conn: Option<&'static str>,
        call: Option<CallFn>,
        plain: Option<&'static (dyn std::any::Any + Send + Sync)>,
        can: Abilities,
    ) -> Self {
        Self {
            name,
            mode,
            path,
            location,
            rows,
            emits,
            params,
            param_types,
            actions,
            conn,
            call,
            plain,
            can,
        }
    }

    /// The registered name: `name = "…"` from the attribute, else the handler's own name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The function's mode.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The handler's Rust path (`my_app::stages::avg_score`).
    #[must_use]
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// Where the handler is defined.
    #[must_use]
    pub fn location(&self) -> Location {
        self.location
    }

    /// The row type the handler takes.
    #[must_use]
    pub fn input(&self) -> RowType {
        self.rows.input
    }

    /// The row type the handler emits, or `None` for a sink.
    #[must_use]
    pub fn output(&self) -> Option<RowType> {
        self.emits.then_some(self.rows.output)
    }

    /// The default params, `#[kis_function(params(key = "value"))]`, in the order written.
    #[must_use]
    pub fn params(&self) -> &'static [(&'static str, &'static str)] {
        self.params
    }

    /// The params declared with a type (`params(max_qty: u32 = 100)`), in the order written.
    #[must_use]
    pub fn param_types(&self) -> &'static [ParamType] {
        self.param_types
    }

    /// The declared type of the param `key`, if it was declared with one.
    #[must_use]
    pub fn param_type(&self, key: &str) -> Option<&'static ParamType> {
        self.param_types.iter().find(|p| p.key() == key)
    }

    /// The actions the function declares, `#[kis_function(actions(...))]`.
    #[must_use]
    pub const fn actions(&self) -> DeclaredActions {
        self.actions
    }

    /// Whether the input row type is `Clone`, which retries and jumps in composed flows need.
    #[must_use]
    pub fn input_is_clone(&self) -> bool {
        self.can.clone_input.is_some()
    }

    /// Whether the output row type is `Serialize`, so the rows can be printed as JSON.
    #[must_use]
    pub fn output_is_json(&self) -> bool {
        !self.emits || self.can.encode_output.is_some()
    }

    /// The function's erased operations, as the run loop calls them.
    pub(crate) fn erased(&self) -> Erased {
        let reuse = self.actions.data_reuse();
        Erased::new(self.rows, self.call, self.plain, self.can, reuse)
    }

    /// The connector the function is bound to, `#[kis_function(conn = "...")]`.
    #[must_use]
    pub fn conn(&self) -> Option<&'static str> {
        self.conn
    }
}

/// A place in a source file, `file:line:column`, columns counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Path of the file, as `file!()` gives it.
    pub file: &'static str,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}
