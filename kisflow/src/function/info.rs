//! [`FunctionInfo`]: what the registry knows of one `#[kis_function]`, and the [`Location`] it
//! names.

use super::{Abilities, Declared, Erased, Handler, NoRows, ParamType, RowOps, RowType};
use crate::action::DeclaredActions;
use crate::mode::Mode;

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
    declared: &'static Declared,
    handler: Handler,
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
        declared: &'static Declared,
        handler: Handler,
        can: Abilities,
    ) -> Self {
        Self {
            name,
            mode,
            path,
            location,
            rows,
            declared,
            handler,
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
        self.emits().then_some(self.rows.output)
    }

    /// The default params, `#[kis_function(params(key = "value"))]`, in the order written.
    #[must_use]
    pub fn params(&self) -> &'static [(&'static str, &'static str)] {
        self.declared.params
    }

    /// The params declared with a type (`params(max_qty: u32 = 100)`), in the order written.
    #[must_use]
    pub fn param_types(&self) -> &'static [ParamType] {
        self.declared.param_types
    }

    /// The declared type of the param `key`, if it was declared with one.
    #[must_use]
    pub fn param_type(&self, key: &str) -> Option<&'static ParamType> {
        self.declared.param_types.iter().find(|p| p.key() == key)
    }

    /// The actions the function declares, `#[kis_function(actions(...))]`.
    #[must_use]
    pub const fn actions(&self) -> DeclaredActions {
        self.declared.actions
    }

    /// Whether the input row type is `Clone`, which retries and jumps in composed flows need.
    #[must_use]
    pub fn input_is_clone(&self) -> bool {
        self.can.clone_input.is_some()
    }

    /// Whether the output row type is `Serialize`, so the rows can be printed as JSON.
    #[must_use]
    pub fn output_is_json(&self) -> bool {
        !self.emits() || self.can.encode_output.is_some()
    }

    /// The function's erased operations, as the run loop calls them.
    pub(crate) fn erased(&self) -> Erased {
        let reuse = self.declared.actions.data_reuse();
        Erased::new(self.rows, self.handler, self.can, reuse)
    }

    /// The connector the function is bound to, `#[kis_function(conn = "...")]`.
    #[must_use]
    pub fn conn(&self) -> Option<&'static str> {
        self.declared.conn
    }

    /// Whether the function emits rows: `false` for a sink, whose output type is `NoRows`.
    fn emits(&self) -> bool {
        self.rows.output.id() != std::any::TypeId::of::<NoRows>()
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
