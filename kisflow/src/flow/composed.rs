//! [`ComposedFlow`]: a flow instance whose row types are known only at run time. A `flow!`'s
//! [`Flow`](super::Flow) is a typed handle on one, the registry hands them out for `flow!`s, and
//! YAML flows that no `flow!` declares are put together from registered functions by name, their
//! row types checked edge by edge before any row moves.

use std::borrow::Cow;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::core::FlowCore;
use super::shape::{check_branch_point, check_branches, check_edge, check_jumps, edges};
use super::{DynFlow, FlowSettings};
use crate::error::{Error, Result};
use crate::function::Stage;
use crate::function::{FunctionInfo, JsonRef, RowType, Rows};

/// A runnable flow whose functions are known only at run time. Build one with
/// [`Registry::compose`](crate::Registry::compose); it behaves as a [`DynFlow`].
pub struct ComposedFlow {
    pub(super) source: Rows,
    pub(super) core: FlowCore,
}

impl ComposedFlow {
    /// Checks that each function's output rows are the next one's input rows (the trunk's last
    /// function's are each branch's first function's), that rows copied for branches are
    /// `Clone`, and that a flow that may jump can keep its inputs, then builds the flow.
    /// `branches` are where the branches start among `functions`; empty for a chain.
    pub(crate) fn new(
        name: &str,
        functions: &[&'static FunctionInfo],
        branches: Vec<usize>,
    ) -> Result<Self> {
        if functions.is_empty() {
            return Err(Error::Compose {
                flow: name.to_owned(),
                reason: "it has no functions; list at least one".to_owned(),
            });
        }
        check_branches(name, functions.len(), &branches)?;
        for (prev, next) in edges(functions.len(), &branches) {
            check_edge(name, functions[prev], functions[next])?;
        }
        check_branch_point(name, functions, &branches)?;
        check_jumps(name, functions)?;
        let stages: Arc<[Stage]> = functions.iter().map(|f| Stage::__new(f, &[])).collect();
        Ok(Self::declared(
            Arc::from(name),
            stages,
            Cow::Owned(branches),
        ))
    }

    /// A flow of `stages`, whose edges the compiler has checked (`flow!`), with branches starting
    /// at `branches` (empty for a chain). Every caller has made sure that there is at least one
    /// stage.
    pub(crate) fn declared(
        name: Arc<str>,
        stages: Arc<[Stage]>,
        branches: Cow<'static, [usize]>,
    ) -> Self {
        let core = FlowCore::new(name, stages, branches);
        Self {
            source: Rows::empty(),
            core,
        }
    }

    /// Takes the committed rows and runs the flow over them; see [`Flow::run`](super::Flow::run).
    pub(super) fn run_committed(&mut self) -> BoxFuture<'_, Result<()>> {
        // A switched-off flow keeps its rows for when it is switched on; `drive` says why.
        let rows = if self.core.settings.disabled.is_some() {
            Rows::empty()
        } else {
            std::mem::replace(&mut self.source, Rows::empty())
        };
        self.run_rows(rows)
    }

    /// Runs the flow over `rows`, which are of the first function's input type.
    pub(super) fn run_rows(&self, rows: Rows) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.core.drive(rows))
    }
}

impl DynFlow for ComposedFlow {
    fn name(&self) -> &str {
        self.core.name()
    }

    fn id(&self) -> &str {
        &self.core.shared.id
    }

    fn stages(&self) -> &[Stage] {
        &self.core.shared.stages
    }

    fn committed(&self) -> usize {
        self.source.len()
    }

    fn metadata(&self) -> &crate::Metadata {
        &self.core.shared.metadata
    }

    fn function_ctx(&self, index: usize) -> Option<&crate::FlowCtx> {
        self.core.ctxs.get(index)
    }

    fn commit_json_input(&mut self, row: JsonRef<'_>) -> Result<()> {
        let first = self.core.ctxs[0].erased();
        let Some(decode) = first.decode_input else {
            return Err(Error::NotJson {
                flow: self.core.name().to_owned(),
                row_type: self.core.ctxs[0].function().input().name(),
            });
        };
        let source = &mut self.source;
        let number = source.len() + 1;
        if self
            .core
            .decode_json(row, number, |row| decode(row, source))?
        {
            Ok(())
        } else {
            Err(Error::Internal {
                flow: self.core.name().to_owned(),
                detail: "a decoded row did not fit its batch".to_owned(),
            })
        }
    }

    fn source(&mut self) -> (&mut Rows, RowType) {
        (&mut self.source, self.core.ctxs[0].function().input())
    }

    fn run(&mut self) -> BoxFuture<'_, Result<()>> {
        self.run_committed()
    }

    fn set_step_limit(&mut self, limit: usize) {
        self.core.set_step_limit(limit);
    }

    fn set_settings(&mut self, settings: &FlowSettings) -> Result<()> {
        self.core.set_settings(settings)
    }

    fn set_connector(&mut self, connector: &crate::Connector) -> Result<()> {
        self.core.set_connector(connector)
    }

    fn run_json(&mut self) -> BoxFuture<'_, Result<Vec<serde_json::Value>>> {
        let shared = Arc::clone(&self.core.shared);
        Box::pin(async move { shared.capturing(DynFlow::run(self)).await })
    }

    fn fork(&self) -> Box<dyn DynFlow> {
        Box::new(self.fork_instance())
    }
}

impl ComposedFlow {
    /// A new instance with the same configuration; see [`Flow::fork`](super::Flow::fork).
    pub(super) fn fork_instance(&self) -> Self {
        Self {
            source: Rows::empty(),
            core: self.core.fork(),
        }
    }
}

impl std::fmt::Debug for ComposedFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComposedFlow")
            .field("name", &self.core.name())
            .field("id", &self.core.shared.id)
            .field("committed", &self.source.len())
            .finish_non_exhaustive()
    }
}
