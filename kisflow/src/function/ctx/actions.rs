//! Setting actions from a handler: [`FlowCtx::next`] and its shortcuts, checked against what the
//! function declares and the functions its flow has.

use std::sync::atomic::Ordering;

use super::FlowCtx;
use crate::action::{Action, Taken};
use crate::error::{Error, Result};

impl FlowCtx {
    /// Sets what the flow does after this call returns, replacing any action set before in this
    /// call (Go's `flow.Next(...)`). See [`Action`] for what each does.
    ///
    /// An action the function may not take is refused here, naming the remedy: `DATA_REUSE`
    /// without `actions(data_reuse)`, a jump without `actions(jump)`, or a jump to a function the
    /// flow does not have. The action set before stays.
    #[allow(clippy::needless_pass_by_value)] // `ctx.next(Action::ABORT)` reads better than `&`
    pub fn next(&self, action: Action) -> Result<()> {
        let declared = self.function().actions();
        if action.is_data_reuse() && !declared.data_reuse() {
            return Err(self.action_error(
                "cannot reuse its input without declaring it: add `actions(data_reuse)` to its \
                 #[kis_function], which checks that its input and output row types match"
                    .to_owned(),
            ));
        }
        let jump = match action.jump_target() {
            None => None,
            Some(_) if !declared.jump() => {
                return Err(self.action_error(
                    "cannot jump without declaring it: add `actions(jump)` to its #[kis_function]"
                        .to_owned(),
                ));
            }
            Some(target) => Some(self.jump_index(target)?),
        };
        self.store_action(Taken {
            flags: action.flags,
            jump,
        });
        Ok(())
    }

    /// Ends the run after this function, successfully: [`Action::ABORT`].
    pub fn abort(&self) {
        self.store_action(Taken {
            flags: crate::action::ABORT,
            jump: None,
        });
    }

    /// Hands this function's input to the next function instead of its output:
    /// [`Action::DATA_REUSE`].
    pub fn data_reuse(&self) -> Result<()> {
        self.next(Action::DATA_REUSE)
    }

    /// Runs the next function even if this one emits nothing: [`Action::FORCE_ENTRY_NEXT`].
    pub fn force_entry_next(&self) {
        self.store_action(Taken {
            flags: crate::action::FORCE_ENTRY_NEXT,
            jump: None,
        });
    }

    /// Sets the action of the running call, replacing any set before in it: the last one wins.
    fn store_action(&self, taken: Taken) {
        self.action.store(taken.pack(), Ordering::Relaxed);
    }

    /// Continues the run at `function`: [`Action::jump_func`].
    pub fn jump_func(&self, function: &str) -> Result<()> {
        self.next(Action::jump_func(function))
    }

    /// The index of the one stage registered as `target`.
    fn jump_index(&self, target: &str) -> Result<usize> {
        let stages = &self.flow.stages;
        let mut found = stages
            .iter()
            .enumerate()
            .filter(|(_, stage)| stage.function().name() == target)
            .map(|(index, _)| index);
        match (found.next(), found.next()) {
            (Some(index), None) => Ok(index),
            (None, _) => {
                let names: Vec<&str> = stages.iter().map(|s| s.function().name()).collect();
                Err(self.action_error(format!(
                    "jumps to \"{target}\", which is not a function of this flow; its functions \
                     are {}",
                    names.join(" -> ")
                )))
            }
            (Some(first), Some(second)) => Err(self.action_error(format!(
                "jumps to \"{target}\", which names more than one function of this flow \
                 (positions {} and {}); a jump needs a name that appears once",
                first + 1,
                second + 1
            ))),
        }
    }

    fn action_error(&self, reason: String) -> Error {
        self.error(reason, |flow, function, reason| Error::Action {
            flow,
            function,
            reason,
        })
    }
}
