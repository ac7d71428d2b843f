//! Checks `flow!` can make without types: params. Row types, sinks in the middle and names that are
//! not functions are the compiler's to check, through the code `expand` generates.

use std::collections::HashSet;

use super::parse::FlowInput;
use crate::errors::Errors;
use crate::param::param_text;

pub(crate) fn flow(flow: &FlowInput) -> syn::Result<()> {
    let mut errors = Errors::default();
    for stage in &flow.stages {
        let mut seen = HashSet::new();
        for param in &stage.params {
            if !seen.insert(param.key.to_string()) {
                errors.push(syn::Error::new(
                    param.key.span(),
                    format!("param `{}` given twice to this function", param.key),
                ));
            }
            if param_text(&param.value).is_none() {
                errors.push(syn::Error::new(
                    param.value.span(),
                    "a param value is a string, number or boolean literal",
                ));
            }
        }
    }
    errors.finish()
}
