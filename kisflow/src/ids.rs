//! Instance ids in Go KisFlow's form: a prefix and 32 hex digits.

/// Prefix of flow instance ids.
pub(crate) const FLOW: &str = "flow";
/// Prefix of function instance ids.
pub(crate) const FUNCTION: &str = "func";
/// Prefix of connector ids.
pub(crate) const CONNECTOR: &str = "conn";

/// A fresh id such as `flow-1f0e…` (a v4 uuid without dashes, as Go's `id.KisID`).
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_have_the_prefix_and_32_hex_digits() {
        let id = super::new_id(super::FLOW);
        let (prefix, hex) = id.split_once('-').unwrap();
        assert_eq!(prefix, "flow");
        assert_eq!(hex.len(), 32);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, super::new_id(super::FLOW));
    }
}
