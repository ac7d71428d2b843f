//! Actions: what a handler asks the flow to do after it returns (Go KisFlow's `flow.Next(...)`).

use std::ops::BitOr;

/// What the flow does after the running function returns, set through [`FlowCtx::next`] and its
/// shortcuts.
///
/// Combine actions with `|`. Within one call the last action set wins, and no action outlives the
/// call that set it: a handler that fails leaves none behind.
///
/// | action | effect |
/// |---|---|
/// | [`ABORT`](Action::ABORT) | the run ends after this function, successfully; wins over every other action |
/// | [`DATA_REUSE`](Action::DATA_REUSE) | the next function receives this function's *input* instead of its output; the function must declare `actions(data_reuse)` |
/// | [`FORCE_ENTRY_NEXT`](Action::FORCE_ENTRY_NEXT) | the next function runs even when this one emitted nothing, with exactly what was emitted |
/// | [`jump_func`](Action::jump_func) | the run continues at the named function of this flow, with that function's own input of this run; the function must declare `actions(jump)` |
///
/// ```
/// use kisflow::prelude::*;
/// use kisflow::Action;
///
/// #[kis_function(mode = "Verify", actions(data_reuse))]
/// async fn check(ctx: &FlowCtx, rows: Vec<i64>) -> kisflow::Result<Vec<i64>> {
///     if rows.iter().any(|n| *n < 0) {
///         ctx.abort(); // a negative number: stop here
///     } else {
///         ctx.next(Action::DATA_REUSE | Action::FORCE_ENTRY_NEXT)?;
///     }
///     Ok(Vec::new())
/// }
/// # fn main() {}
/// ```
///
/// [`FlowCtx::next`]: crate::FlowCtx::next
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Action {
    pub(crate) flags: u8,
    pub(crate) jump: Option<String>,
}

pub(crate) const ABORT: u8 = 1;
pub(crate) const DATA_REUSE: u8 = 2;
pub(crate) const FORCE_ENTRY_NEXT: u8 = 4;

impl Action {
    /// No action: the flow goes on as usual. Setting it clears an action set earlier in the call.
    pub const NONE: Self = Self::flag(0);
    /// End the run after this function, successfully.
    pub const ABORT: Self = Self::flag(ABORT);
    /// Hand this function's input on to the next function instead of its output.
    pub const DATA_REUSE: Self = Self::flag(DATA_REUSE);
    /// Run the next function even when this one emitted no rows.
    pub const FORCE_ENTRY_NEXT: Self = Self::flag(FORCE_ENTRY_NEXT);

    const fn flag(flags: u8) -> Self {
        Self { flags, jump: None }
    }

    /// Continue at the function of this flow registered as `function`, with its own input of this
    /// run: what its predecessor emitted, or the source rows for the first function.
    pub fn jump_func(function: impl Into<String>) -> Self {
        Self {
            flags: 0,
            jump: Some(function.into()),
        }
    }

    /// Whether this action ends the run.
    #[must_use]
    pub fn is_abort(&self) -> bool {
        self.flags & ABORT != 0
    }

    /// Whether this action hands the function's input on.
    #[must_use]
    pub fn is_data_reuse(&self) -> bool {
        self.flags & DATA_REUSE != 0
    }

    /// Whether this action runs the next function even without rows.
    #[must_use]
    pub fn is_force_entry_next(&self) -> bool {
        self.flags & FORCE_ENTRY_NEXT != 0
    }

    /// The function this action jumps to, if any.
    #[must_use]
    pub fn jump_target(&self) -> Option<&str> {
        self.jump.as_deref()
    }
}

impl BitOr for Action {
    type Output = Self;

    /// Both actions; with two jumps, the right-hand one.
    fn bitor(self, rhs: Self) -> Self {
        Self {
            flags: self.flags | rhs.flags,
            jump: rhs.jump.or(self.jump),
        }
    }
}

/// The actions a function declares with `#[kis_function(actions(...))]`: the ones that change which
/// rows a later function sees, so the compiler can check them.
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Verify", actions(data_reuse))]
/// fn keep_all(rows: Vec<u32>) -> Vec<u32> {
///     rows
/// }
///
/// let declared = <keep_all as KisFunction>::INFO.actions();
/// assert!(declared.data_reuse());
/// assert!(!declared.jump());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeclaredActions {
    data_reuse: bool,
    jump: bool,
}

impl DeclaredActions {
    #[doc(hidden)]
    #[must_use]
    pub const fn __new(data_reuse: bool, jump: bool) -> Self {
        Self { data_reuse, jump }
    }

    /// Declared `data_reuse`: the function may hand its input on, so its input and output row
    /// types are the same and `Clone`.
    #[must_use]
    pub const fn data_reuse(&self) -> bool {
        self.data_reuse
    }

    /// Declared `jump`: the function may jump, so every input row type of a flow holding it is
    /// `Clone` and each function's input is kept for the run.
    #[must_use]
    pub const fn jump(&self) -> bool {
        self.jump
    }
}

/// The action taken after one call, resolved against its flow: the jump is a stage index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Taken {
    pub(crate) flags: u8,
    pub(crate) jump: Option<usize>,
}

impl Taken {
    /// Packs into the `u32` the context stores: flags in the low byte, jump index + 1 above.
    pub(crate) fn pack(self) -> u32 {
        let jump = self.jump.map_or(0, |index| {
            u32::try_from(index + 1).expect("flows have far fewer than 2^24 functions")
        });
        u32::from(self.flags) | jump << 8
    }

    pub(crate) fn unpack(packed: u32) -> Self {
        let jump = packed >> 8;
        Self {
            flags: (packed & 0xff) as u8,
            jump: (jump != 0).then(|| (jump - 1) as usize),
        }
    }

    pub(crate) fn has(self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_combine_and_the_right_jump_wins() {
        let action = Action::DATA_REUSE | Action::jump_func("a") | Action::jump_func("b");
        assert!(action.is_data_reuse() && !action.is_abort());
        assert_eq!(action.jump_target(), Some("b"));
    }

    #[test]
    fn taken_round_trips_through_its_packing() {
        for taken in [
            Taken::default(),
            Taken {
                flags: ABORT | FORCE_ENTRY_NEXT,
                jump: Some(0),
            },
            Taken {
                flags: DATA_REUSE,
                jump: Some(4000),
            },
        ] {
            assert_eq!(Taken::unpack(taken.pack()), taken);
        }
    }
}
