//! Param values: `KisFlow` params are strings, written in Rust as literals.

use syn::Lit;

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
