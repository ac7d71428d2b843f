//! The shape checks of a flow composed at run time, which `flow!` makes at compile time: each
//! edge's row types, the branches' layout, rows copied for branches and kept for jumps.

use crate::error::{Error, Result};
use crate::function::FunctionInfo;

/// The chains of a flow of `count` functions whose branches start at `branches`, as index
/// ranges: the trunk, then each branch in order (the whole flow when `branches` is empty).
pub(crate) fn chains(
    count: usize,
    branches: &[usize],
) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let starts = std::iter::once(0).chain(branches.iter().copied());
    let ends = branches.iter().copied().chain([count]);
    starts.zip(ends).map(|(start, end)| start..end)
}

/// Every edge of a flow of `count` functions whose branches start at `branches`: each function
/// to the next within the trunk and within each branch, and the trunk's last function to each
/// branch's first. As `(prev, next)` indexes, in the order `flow!` checks them.
pub(crate) fn edges(count: usize, branches: &[usize]) -> Vec<(usize, usize)> {
    let trunk = branches.first().copied().unwrap_or(count);
    let mut edges = Vec::new();
    for chain in chains(count, branches) {
        if chain.start > 0 && trunk > 0 {
            edges.push((trunk - 1, chain.start));
        }
        edges.extend((chain.start + 1..chain.end).map(|next| (next - 1, next)));
    }
    edges
}

/// Branches that start in order after a trunk of one function or more, two or more of them,
/// each of one function or more: what `flow!`'s syntax allows.
pub(crate) fn check_branches(flow: &str, count: usize, branches: &[usize]) -> Result<()> {
    let Some(&first) = branches.first() else {
        return Ok(());
    };
    let reason = if first == 0 {
        "its branches start before any function; a flow runs a trunk of one function or more, \
         then branches"
    } else if branches.len() < 2 {
        "it has one branch; a flow branches into two or more, or is a single chain"
    } else if branches.windows(2).any(|w| w[0] >= w[1]) || branches[branches.len() - 1] >= count {
        "a branch lists no functions; give each branch one function or more"
    } else {
        return Ok(());
    };
    Err(Error::Compose {
        flow: flow.to_owned(),
        reason: reason.to_owned(),
    })
}

/// Each branch but the last runs on a copy of the branch point's rows, which must be `Clone`
/// (`flow!` asks the same of a branching flow at compile time).
pub(crate) fn check_branch_point(
    flow: &str,
    functions: &[&'static FunctionInfo],
    branches: &[usize],
) -> Result<()> {
    let Some(&start) = branches.first() else {
        return Ok(());
    };
    let (point, first) = (functions[start - 1], functions[start]);
    if first.input_is_clone() {
        return Ok(());
    }
    Err(Error::Compose {
        flow: flow.to_owned(),
        reason: format!(
            "function `{}` feeds more than one branch, so each branch gets its own copy of its \
             rows, but `{}` is not `Clone`; derive `Clone` for `{}`, or make the flow a single \
             chain without `branches`",
            point.name(),
            first.input().name(),
            first.input().name()
        ),
    })
}

/// The edge `prev -> next`: `prev` emits rows, and of the type `next` takes.
pub(crate) fn check_edge(flow: &str, prev: &FunctionInfo, next: &FunctionInfo) -> Result<()> {
    let Some(out) = prev.output() else {
        return Err(Error::Compose {
            flow: flow.to_owned(),
            reason: format!(
                "`{}` emits no rows, so no function can follow it; put it last, or remove `{}` \
                 after it",
                prev.name(),
                next.name()
            ),
        });
    };
    if out == next.input() {
        return Ok(());
    }
    Err(Error::Compose {
        flow: flow.to_owned(),
        reason: format!(
            "function `{}` emits rows of type `{}`, but the next function `{}` takes rows of \
             type `{}`",
            prev.name(),
            out.name(),
            next.name(),
            next.input().name()
        ),
    })
}

/// A flow composed at run time that may jump keeps each function's input for the run, so every
/// input row type must be `Clone`; `flow!` checks the same at compile time.
pub(crate) fn check_jumps(flow: &str, functions: &[&'static FunctionInfo]) -> Result<()> {
    if functions.iter().any(|f| f.actions().jump())
        && let Some(f) = functions.iter().find(|f| !f.input_is_clone())
    {
        return Err(Error::Compose {
            flow: flow.to_owned(),
            reason: format!(
                "a function of this flow may jump (`actions(jump)`), so every function's input \
                 rows are kept for the run and must be `Clone`, but `{}`, the input of `{}`, is \
                 not",
                f.input().name(),
                f.name()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_join_each_chain_and_the_branch_point_to_every_branch() {
        assert_eq!(edges(3, &[]), [(0, 1), (1, 2)]);
        // a -> b -> [c -> d, e]
        assert_eq!(edges(5, &[2, 4]), [(0, 1), (1, 2), (2, 3), (1, 4)]);
        assert_eq!(edges(1, &[]), []);
    }

    #[test]
    fn chains_are_the_trunk_then_each_branch() {
        assert!(chains(3, &[]).eq(std::iter::once(0..3)), "a chain is one");
        assert_eq!(chains(5, &[2, 4]).collect::<Vec<_>>(), [0..2, 2..4, 4..5]);
    }

    #[test]
    fn branches_are_two_or_more_after_a_trunk_each_with_a_function() {
        let reason = |count, branches: &[usize]| match check_branches("F", count, branches) {
            Ok(()) => String::new(),
            Err(Error::Compose { reason, .. }) => reason,
            Err(other) => panic!("{other}"),
        };
        assert_eq!(reason(3, &[1, 2]), "");
        assert!(reason(3, &[0, 2]).contains("start before any function"));
        assert!(reason(3, &[1]).contains("it has one branch"));
        assert!(reason(3, &[1, 1]).contains("a branch lists no functions"));
        assert!(reason(3, &[1, 3]).contains("a branch lists no functions"));
    }
}
