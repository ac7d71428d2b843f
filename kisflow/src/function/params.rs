//! The one merge of a function's params in a flow, shared by [`Stage`](super::Stage) (as declared
//! in code) and by a configured flow (with the YAML layers on top).

/// Merges the params of one function in one flow from its layers.
///
/// `flow` holds the params the flow gives, lowest layer first (the `flow!`'s, then the YAML
/// flow's); `defaults` holds the function's defaults, lowest first (`#[kis_function(params)]`,
/// then the func file's `default_params`). Within each, a later value of a key replaces an
/// earlier one in place, key by key. The result lists the flow's params in the order first
/// written, then the defaults the flow does not set: a flow's value wins over every default.
pub(crate) fn merge_params<K, V>(
    flow: impl IntoIterator<Item = (K, V)>,
    defaults: impl IntoIterator<Item = (K, V)>,
) -> Vec<(K, V)>
where
    K: AsRef<str>,
{
    let mut merged = layer(flow);
    let given = merged.len();
    for (key, value) in layer(defaults) {
        if !merged[..given]
            .iter()
            .any(|(k, _)| k.as_ref() == key.as_ref())
        {
            merged.push((key, value));
        }
    }
    merged
}

/// One layer's entries with later values replacing earlier ones of the same key, in place.
fn layer<K: AsRef<str>, V>(entries: impl IntoIterator<Item = (K, V)>) -> Vec<(K, V)> {
    let mut out: Vec<(K, V)> = Vec::new();
    for (key, value) in entries {
        match out.iter_mut().find(|(k, _)| k.as_ref() == key.as_ref()) {
            Some(slot) => slot.1 = value,
            None => out.push((key, value)),
        }
    }
    out
}

/// A param declared with a type, `#[kis_function(params(max_qty: u32 = 100))]`: every value
/// configured for it, in a `flow!` or in YAML, must parse as that type, which the pool checks
/// at load, at the value's file and line. A handler reads it with
/// [`FlowCtx::param_as`](crate::FlowCtx::param_as).
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Verify", params(max_qty: u32 = 100))]
/// fn small(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
///     let max: u32 = ctx.param_as("max_qty")?;
///     Ok(rows.into_iter().filter(|q| *q <= max).collect())
/// }
///
/// let declared = <small as KisFunction>::INFO.param_type("max_qty").unwrap();
/// assert_eq!(declared.type_name(), "u32");
/// assert!(declared.accepts("7") && !declared.accepts("five"));
/// ```
#[derive(Clone, Copy)]
pub struct ParamType {
    key: &'static str,
    type_name: fn() -> &'static str,
    parses: fn(&str) -> bool,
}

impl ParamType {
    #[doc(hidden)]
    #[must_use]
    pub const fn __new<T: std::str::FromStr>(key: &'static str) -> Self {
        Self {
            key,
            type_name: std::any::type_name::<T>,
            parses: parses::<T>,
        }
    }

    /// The param's key.
    #[must_use]
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The declared type, as written in Rust (`u32`, `my_app::Level`).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        (self.type_name)()
    }

    /// Whether `value` parses as the declared type.
    #[must_use]
    pub fn accepts(&self, value: &str) -> bool {
        (self.parses)(value)
    }
}

impl std::fmt::Debug for ParamType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.type_name())
    }
}

fn parses<T: std::str::FromStr>(value: &str) -> bool {
    value.parse::<T>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::merge_params;

    #[test]
    fn later_layers_override_key_by_key() {
        let flow = [("c", "code"), ("d", "code"), ("d", "yaml"), ("e", "yaml")];
        let defaults = [("a", "fn"), ("c", "fn"), ("a", "file"), ("b", "file")];
        assert_eq!(
            merge_params(flow, defaults),
            [
                ("c", "code"),
                ("d", "yaml"),
                ("e", "yaml"),
                ("a", "file"),
                ("b", "file")
            ]
        );
    }

    #[test]
    fn no_layers_no_params() {
        assert!(merge_params::<&str, &str>([], []).is_empty());
    }
}
