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
