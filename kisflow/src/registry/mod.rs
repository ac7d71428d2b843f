//! The registry of every `#[kis_function]` and `flow!` linked into the program.

use std::collections::BTreeMap;
use std::sync::OnceLock;

mod entries;

#[cfg(feature = "config")]
pub(crate) use entries::outline;
pub use entries::{FlowEntry, FlowInfo, FunctionEntry};

use crate::error::{DuplicateName, Error, Result};
use crate::flow::{ComposedFlow, DynFlow};
use crate::function::{FunctionInfo, Location};

/// Every function and flow of the program, sorted by name.
///
/// Built once, on first use, from what `#[kis_function]` and `flow!` registered in every crate the
/// program links. A crate that only registers functions must still be referenced from the binary
/// (`use my_functions as _;`), or the linker leaves it out and its functions are missing. Everything
/// linked into one binary shares the registry: doc tests that register functions are best marked
/// `standalone_crate`, since Rust 2024 merges doc tests into one binary.
///
/// ```standalone_crate
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Calculate", name = "Half")]
/// fn half(rows: Vec<f64>) -> Vec<f64> {
///     rows.into_iter().map(|x| x / 2.0).collect()
/// }
///
/// let registry = kisflow::registry().unwrap();
/// let half = registry.function("Half").unwrap();
/// assert_eq!(half.mode(), Mode::Calculate);
/// assert_eq!(half.input().name(), "f64");
/// for f in registry.functions() {
///     println!("{} {} {} -> {:?}", f.name(), f.mode(), f.input().name(), f.output().map(|o| o.name()));
/// }
/// ```
#[derive(Debug, Default)]
pub struct Registry {
    functions: BTreeMap<&'static str, &'static FunctionInfo>,
    flows: BTreeMap<&'static str, &'static FlowEntry>,
}

/// The program's registry; fails if two functions or two flows share a name.
///
/// ```standalone_crate
/// let registry = kisflow::registry().unwrap();
/// // A program that links no `#[kis_function]` has an empty one: see `Registry`.
/// assert!(registry.function("NoSuchFunction").is_err());
/// ```
pub fn registry() -> Result<&'static Registry> {
    static REGISTRY: OnceLock<Result<Registry, Duplicate>> = OnceLock::new();
    REGISTRY
        .get_or_init(Registry::collect)
        .as_ref()
        .map_err(Duplicate::to_error)
}

/// Two registrations under one name, kept so every call of [`registry`] can report it.
#[derive(Debug)]
struct Duplicate {
    kind: &'static str,
    name: &'static str,
    first: (&'static str, Location),
    second: (&'static str, Location),
}

impl Duplicate {
    fn to_error(&self) -> Error {
        Error::Duplicate(Box::new(DuplicateName {
            kind: self.kind,
            name: self.name.to_owned(),
            first: self.first.0.to_owned(),
            first_at: self.first.1.to_string(),
            second: self.second.0.to_owned(),
            second_at: self.second.1.to_string(),
        }))
    }
}

impl Registry {
    fn collect() -> Result<Self, Duplicate> {
        let functions = index(
            "function",
            inventory::iter::<FunctionEntry>
                .into_iter()
                .map(|e| (e.0.name(), (e.0.path(), e.0.location()), e.0)),
        )?;
        let flows = index(
            "flow",
            inventory::iter::<FlowEntry>
                .into_iter()
                .map(|e| (e.name, (e.path, e.location), e)),
        )?;
        Ok(Self { functions, flows })
    }

    /// Every registered function, sorted by name.
    pub fn functions(&self) -> impl Iterator<Item = &'static FunctionInfo> + '_ {
        self.functions.values().copied()
    }

    /// The function registered under `name`.
    pub fn function(&self, name: &str) -> Result<&'static FunctionInfo> {
        self.functions
            .get(name)
            .copied()
            .ok_or_else(|| unknown("function", name, self.functions.keys()))
    }

    /// Every flow declared with `flow!`, sorted by name.
    pub fn flows(&self) -> impl Iterator<Item = FlowInfo> + '_ {
        self.flows.values().map(|&entry| FlowInfo { entry })
    }

    /// A fresh runnable instance of the flow named `name`.
    pub fn flow(&self, name: &str) -> Result<Box<dyn DynFlow>> {
        self.flows
            .get(name)
            .map(|entry| entry.instantiate())
            .ok_or_else(|| unknown("flow", name, self.flows.keys()))
    }

    /// A flow of registered functions named at run time, in order: what a YAML flow that no
    /// `flow!` declares becomes. Every edge is checked before the flow is built: a name that is
    /// not registered, a sink before another function, or rows of the wrong type are errors.
    ///
    /// ```standalone_crate
    /// use kisflow::prelude::*;
    ///
    /// #[kis_function(mode = "Calculate")]
    /// fn double(rows: Vec<i64>) -> Vec<i64> {
    ///     rows.into_iter().map(|n| n * 2).collect()
    /// }
    ///
    /// #[kis_function(mode = "Expand")]
    /// fn print(rows: Vec<i64>) {
    ///     println!("{rows:?}");
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> kisflow::Result<()> {
    /// let registry = kisflow::registry()?;
    /// let mut flow = registry.compose("Doubles", &["double", "double", "print"])?;
    /// flow.commit_json("21")?;
    /// flow.run().await?; // [84]
    /// let err = registry.compose("Backwards", &["print", "double"]).unwrap_err();
    /// assert!(err.to_string().contains("`print` emits no rows"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn compose(&self, name: &str, functions: &[&str]) -> Result<Box<dyn DynFlow>> {
        self.compose_branching(name, functions, &[])
    }

    /// A flow of registered functions that ends in branches, as `flow!(Name: a -> b -> [c -> d,
    /// e])` declares one: `trunk` runs first, then each of `branches` in order on its own copy of
    /// the rows the trunk's last function emits. What a YAML flow with `branches` becomes. Every
    /// edge is checked as in [`compose`](Self::compose), the trunk's last function to each
    /// branch's first included; there are two branches or more (or none: a chain), and the rows
    /// they share must be `Clone`.
    ///
    /// ```standalone_crate
    /// use kisflow::prelude::*;
    ///
    /// #[kis_function(mode = "Calculate")]
    /// fn tenfold(rows: Vec<i64>) -> Vec<i64> {
    ///     rows.into_iter().map(|n| n * 10).collect()
    /// }
    ///
    /// #[kis_function(mode = "Calculate")]
    /// fn negate(rows: Vec<i64>) -> Vec<i64> {
    ///     rows.into_iter().map(|n| -n).collect()
    /// }
    ///
    /// #[kis_function(mode = "Expand")]
    /// fn show(rows: Vec<i64>) {
    ///     println!("{rows:?}");
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> kisflow::Result<()> {
    /// let registry = kisflow::registry()?;
    /// let mut flow = registry.compose_branching(
    ///     "Fanned",
    ///     &["tenfold"],
    ///     &[&["show"], &["negate", "show"]],
    /// )?;
    /// flow.commit_json("4")?;
    /// let rows = flow.run_json().await?; // prints [40], then [-40]
    /// assert_eq!(rows, Vec::<serde_json::Value>::new()); // the first branch ends in a sink
    /// let err = registry.compose_branching("One", &["tenfold"], &[&["show"]]).unwrap_err();
    /// assert!(err.to_string().contains("it has one branch"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn compose_branching(
        &self,
        name: &str,
        trunk: &[&str],
        branches: &[&[&str]],
    ) -> Result<Box<dyn DynFlow>> {
        let mut functions = Vec::with_capacity(trunk.len());
        let mut starts = Vec::with_capacity(branches.len());
        for (index, chain) in std::iter::once(trunk)
            .chain(branches.iter().copied())
            .enumerate()
        {
            if index > 0 {
                starts.push(functions.len());
            }
            for fname in chain {
                functions.push(self.function(fname)?);
            }
        }
        Ok(Box::new(ComposedFlow::new(name, &functions, starts)?))
    }
}

/// Indexes registrations by name; of two with one name, reports the pair that sorts first so the
/// error is the same on every run.
fn index<T>(
    kind: &'static str,
    entries: impl Iterator<Item = (&'static str, (&'static str, Location), T)>,
) -> Result<BTreeMap<&'static str, T>, Duplicate> {
    let mut entries: Vec<_> = entries.collect();
    entries.sort_by_key(|(name, (path, location), _)| (*name, *path, location.file, location.line));
    let mut map = BTreeMap::new();
    let mut previous: Option<(&'static str, (&'static str, Location))> = None;
    for (name, origin, value) in entries {
        if let Some((prev_name, prev_origin)) = previous
            && prev_name == name
        {
            return Err(Duplicate {
                kind,
                name,
                first: prev_origin,
                second: origin,
            });
        }
        previous = Some((name, origin));
        map.insert(name, value);
    }
    Ok(map)
}

fn unknown<'a>(
    kind: &'static str,
    name: &str,
    known: impl Iterator<Item = &'a &'static str>,
) -> Error {
    let known: Vec<&str> = known.copied().collect();
    Error::Unknown {
        kind,
        name: name.to_owned(),
        known: if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32) -> Location {
        Location {
            file: "src/a.rs",
            line,
            column: 1,
        }
    }

    #[test]
    fn a_name_registered_twice_names_both_registrations() {
        let entries = vec![
            ("A", ("x::a", at(1)), 1),
            ("B", ("x::b", at(2)), 2),
            ("A", ("y::a", at(3)), 3),
        ];
        let dup = index("function", entries.into_iter()).unwrap_err();
        assert_eq!(
            dup.to_error().to_string(),
            "function name \"A\" is registered twice: by `x::a` (src/a.rs:1:1) and by `y::a` \
             (src/a.rs:3:1); give one of them another name"
        );
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = unknown("flow", "Nope", ["A", "B"].iter());
        assert_eq!(
            err.to_string(),
            "no flow named \"Nope\" is registered; registered flows: A, B"
        );
    }
}
