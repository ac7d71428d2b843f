//! [`Stage`]: one function of a flow and the params the flow gives it.

use super::FunctionInfo;
use super::params::merge_params;

/// One function of a flow with the params the flow gives it.
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    function: &'static FunctionInfo,
    params: &'static [(&'static str, &'static str)],
}

impl Stage {
    #[doc(hidden)]
    #[must_use]
    pub const fn __new(
        function: &'static FunctionInfo,
        params: &'static [(&'static str, &'static str)],
    ) -> Self {
        Self { function, params }
    }

    /// The function of this stage.
    #[must_use]
    pub fn function(&self) -> &'static FunctionInfo {
        self.function
    }

    /// The params the flow gives this function, in the order written, without the function's
    /// defaults.
    #[must_use]
    pub fn flow_params(&self) -> &'static [(&'static str, &'static str)] {
        self.params
    }

    /// The params this function runs with: the flow's, in the order written, then the function's
    /// defaults that the flow does not override. The flow's value wins.
    pub fn params(&self) -> impl Iterator<Item = (&'static str, &'static str)> + use<> {
        merge_params(
            self.params.iter().copied(),
            self.function.params().iter().copied(),
        )
        .into_iter()
    }

    /// One param by key: the flow's value, else the function's default.
    #[must_use]
    pub fn param(&self, key: &str) -> Option<&'static str> {
        let find = |params: &'static [(&'static str, &'static str)]| {
            params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        };
        find(self.params).or_else(|| find(self.function.params()))
    }
}
