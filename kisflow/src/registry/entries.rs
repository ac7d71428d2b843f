//! What `#[kis_function]` and `flow!` submit to the registry ([`FunctionEntry`], [`FlowEntry`]),
//! and a registered flow as the registry shows it ([`FlowInfo`]).

use std::sync::Arc;

use crate::flow::{ComposedFlow, DynFlow};
use crate::function::Stage;
use crate::function::{FunctionInfo, Location};

/// What `#[kis_function]` submits to the registry.
#[doc(hidden)]
pub struct FunctionEntry(pub &'static FunctionInfo);

/// What `flow!` submits to the registry.
#[doc(hidden)]
pub struct FlowEntry {
    pub(super) name: &'static str,
    pub(super) path: &'static str,
    pub(super) location: Location,
    /// Never empty: [`FlowEntry::__of`] checks it while the program compiles.
    stages: &'static [Stage],
    /// Where each branch starts among `stages`; empty for a chain.
    branches: &'static [usize],
}

impl FlowEntry {
    /// The entry of the flow `S`, `path` its Rust path: one generic call, which the compiler
    /// checks once here, where naming each of `S`'s constants in every `flow!` would have it
    /// check them there.
    #[doc(hidden)]
    #[must_use]
    pub const fn __of<S: crate::FlowSpec>(path: &'static str) -> Self {
        assert!(!S::STAGES.is_empty(), "a flow needs at least one function");
        Self {
            name: S::NAME,
            path,
            location: S::LOCATION,
            stages: S::STAGES,
            branches: S::BRANCHES,
        }
    }

    pub(super) fn instantiate(&self) -> Box<dyn DynFlow> {
        Box::new(ComposedFlow::declared(
            Arc::from(self.name),
            Arc::from(self.stages),
            std::borrow::Cow::Borrowed(self.branches),
        ))
    }
}

inventory::collect!(FunctionEntry);
inventory::collect!(FlowEntry);

/// A flow as the registry lists it: its name, where `flow!` declared it, its functions, and a
/// fresh instance on demand.
///
/// ```standalone_crate
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Calculate")]
/// fn double(rows: Vec<i64>) -> Vec<i64> {
///     rows.into_iter().map(|n| n * 2).collect()
/// }
/// flow!(Doubles: double);
///
/// let info = kisflow::registry().unwrap().flows().find(|f| f.name() == "Doubles").unwrap();
/// let names: Vec<&str> = info.stages().iter().map(|s| s.function().name()).collect();
/// assert_eq!(names, ["double"]);
/// assert_eq!(info.outline(), "double");
/// assert_eq!(info.instantiate().name(), "Doubles");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FlowInfo {
    pub(super) entry: &'static FlowEntry,
}

impl FlowInfo {
    /// The flow's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.entry.name
    }

    /// Where `flow!` declared it.
    #[must_use]
    pub fn location(&self) -> Location {
        self.entry.location
    }

    /// Its functions in order, with their params.
    #[must_use]
    pub fn stages(&self) -> &'static [Stage] {
        self.entry.stages
    }

    /// Where each branch starts among [`stages`](FlowInfo::stages), for a flow that ends in
    /// branches; empty for a chain. See [`FlowSpec::BRANCHES`](crate::FlowSpec::BRANCHES).
    #[must_use]
    pub fn branches(&self) -> &'static [usize] {
        self.entry.branches
    }

    /// Its functions as `flow!` writes them: `a -> b`, or `a -> [b, c -> d]` with branches.
    #[must_use]
    pub fn outline(&self) -> String {
        let names: Vec<&str> = self.stages().iter().map(|s| s.function().name()).collect();
        outline(&names, self.branches())
    }

    /// A fresh runnable instance.
    #[must_use]
    pub fn instantiate(&self) -> Box<dyn DynFlow> {
        self.entry.instantiate()
    }
}

impl std::fmt::Debug for FlowEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowEntry")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Functions as `flow!` writes them: `a -> b`, or `a -> [b, c -> d]` when branches start at
/// `branches` among `names`.
pub(crate) fn outline(names: &[&str], branches: &[usize]) -> String {
    let mut chains = crate::flow::chains(names.len(), branches).map(|c| names[c].join(" -> "));
    let trunk = chains.next().unwrap_or_default();
    let branches: Vec<String> = chains.collect();
    if branches.is_empty() {
        return trunk;
    }
    format!("{trunk} -> [{}]", branches.join(", "))
}
