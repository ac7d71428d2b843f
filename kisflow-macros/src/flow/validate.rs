//! Checks `flow!` can make without types: params. Row types, sinks in the middle and names that are
//! not functions are the compiler's to check, through the code `expand` generates.

use std::collections::HashSet;

use syn::Lit;

use super::parse::FlowInput;
use crate::errors::Errors;

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

/// The text a param holds: `KisFlow` params are strings, so numbers and booleans keep their spelling.
pub(crate) fn param_text(value: &Lit) -> Option<String> {
    match value {
        Lit::Str(s) => Some(s.value()),
        Lit::Int(i) => Some(i.base10_digits().to_owned()),
        Lit::Float(f) => Some(f.base10_digits().to_owned()),
        Lit::Bool(b) => Some(b.value.to_string()),
        _ => None,
    }
}
