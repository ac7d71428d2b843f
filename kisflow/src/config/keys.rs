//! The key pass: every key of a document checked against its kind's table, so that all unknown
//! keys of a file are reported at once. serde stops at the first unknown field; this pass reads
//! the document as a tree of keys and reports each one with its position, and the typed pass
//! that follows ignores unknown keys.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::describe::unknown;
use super::problem::Problem;

/// What a value of a key may hold, as far as keys go.
pub(super) enum Shape {
    /// A scalar, or anything: its type is the typed pass's business.
    Value,
    /// A mapping of free names, such as params.
    Free,
    /// A mapping with these keys.
    Keys(&'static [Key]),
    /// A list of this shape.
    List(&'static Shape),
}

/// A known key.
pub(super) struct Key {
    name: &'static str,
    shape: Shape,
    /// Set for Go's other spelling of a key: `return_duration` for `retry_duration`.
    alias_of: Option<&'static str>,
}

impl Key {
    pub(super) const fn new(name: &'static str, shape: Shape) -> Self {
        Self {
            name,
            shape,
            alias_of: None,
        }
    }

    pub(super) const fn alias(name: &'static str, of: &'static str) -> Self {
        Self {
            name,
            shape: Shape::Value,
            alias_of: Some(of),
        }
    }
}

/// The names of `keys` for messages, without aliases.
pub(super) fn names(keys: &[Key]) -> Vec<&'static str> {
    keys.iter()
        .filter(|key| key.alias_of.is_none())
        .map(|key| key.name)
        .collect()
}

/// A document as keys: mappings with their keys' positions, lists, and other values.
pub(super) enum Node {
    Map(Vec<(Spanned<String>, Node)>),
    List(Vec<Node>),
    Scalar,
}

/// Reports each key of `node` that `shape` does not know, and each pair of a key and its alias.
pub(super) fn check(node: &Node, shape: &Shape, file: &str, problems: &mut Vec<Problem>) {
    match (shape, node) {
        (Shape::Keys(keys), Node::Map(entries)) => {
            for (name, value) in entries {
                let place = Some(super::problem::place_at(file, &name.referenced));
                match keys.iter().find(|key| key.name == name.value) {
                    Some(key) => {
                        if let Some(of) = key.alias_of
                            && entries.iter().any(|(other, _)| other.value == of)
                        {
                            problems.push(Problem::new(
                                place,
                                format!(
                                    "`{}` is Go's spelling of `{of}`, which is set too; keep one \
                                     of them",
                                    key.name
                                ),
                            ));
                        }
                        check(value, &key.shape, file, problems);
                    }
                    None => problems.push(Problem::new(
                        place,
                        unknown("key", &name.value, &names(keys)),
                    )),
                }
            }
        }
        (Shape::List(item), Node::List(items)) => {
            for node in items {
                check(node, item, file, problems);
            }
        }
        // A value of another shape than expected is the typed pass's to report.
        _ => {}
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

/// Visitor methods for scalars, which all become [`Node::Scalar`].
macro_rules! scalars {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method<E: de::Error>(self, _: $ty) -> Result<Node, E> {
            Ok(Node::Scalar)
        })*
    };
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    scalars!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_i128(i128),
        visit_u128(u128),
        visit_f64(f64),
        visit_str(&str),
        visit_bytes(&[u8])
    );

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            entries.push((key, map.next_value()?));
        }
        Ok(Node::Map(entries))
    }
}

/// A key, which must be text: YAML allows a list or a mapping as a key, Go's configs do not.
pub(super) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Spanned<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Spanned::<String>::deserialize(d)
            .map_err(|_| D::Error::custom("a key must be text, not empty, a list or a mapping"))
    }
}
