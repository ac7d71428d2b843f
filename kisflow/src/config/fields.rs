//! Readers for the values of config keys, used with `#[serde(deserialize_with)]`. Each one
//! knows its key, so a value of the wrong type gets a message naming the key and what it must be,
//! at the value's position (serde-saphyr places an error made in a reader at the value read).
//!
//! Each reader reads through [`value`], so a value of the wrong type is reported and the document
//! read again without it (`pass.rs`): every bad value of a document is reported at once.
//!
//! A reader replaces any error of the value it reads. That is safe because a document reaches
//! the readers only after two passes over it succeeded (`document.rs`): every syntax, alias and
//! depth error has been reported by then, and what remains is the value's type.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

pub(super) use super::pass::value;

/// A text value and its position.
pub(super) type Text = Spanned<String>;

/// A text value; a number or a boolean keeps its spelling (`3`, `true`), and an empty value (`~`
/// or nothing after the colon) is the empty text, as in Go.
pub(super) fn text<'de, D: Deserializer<'de>>(d: D, key: &str) -> Result<Option<Text>, D::Error> {
    value(
        d,
        Some(key),
        || None,
        |d| match Spanned::<Option<String>>::deserialize(d) {
            Ok(s) => Ok(Some(Spanned::new(
                s.value.unwrap_or_default(),
                s.referenced,
                s.defined,
            ))),
            Err(_) => Err(D::Error::custom(format!(
                "`{key}` must be a single text value, not a list or mapping"
            ))),
        },
    )
}

/// A whole number; `range` completes "must be a whole number …".
pub(super) fn whole<'de, D, T>(d: D, key: &str, range: &str) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    value(
        d,
        Some(key),
        || None,
        |d| {
            Option::<T>::deserialize(d)
                .map_err(|_| D::Error::custom(format!("`{key}` must be a whole number {range}")))
        },
    )
}

/// `true` or `false` (YAML's other spellings, such as `yes`, too).
pub(super) fn flag<'de, D: Deserializer<'de>>(d: D, key: &str) -> Result<Option<bool>, D::Error> {
    value(
        d,
        Some(key),
        || None,
        |d| {
            Option::<bool>::deserialize(d)
                .map_err(|_| D::Error::custom(format!("`{key}` must be true or false")))
        },
    )
}

/// A list of text values; empty means none.
pub(super) fn texts<'de, D: Deserializer<'de>>(d: D, key: &str) -> Result<Vec<String>, D::Error> {
    value(
        d,
        Some(key),
        Vec::new,
        |d| match Option::<Vec<String>>::deserialize(d) {
            Ok(list) => Ok(list.unwrap_or_default()),
            Err(_) => Err(D::Error::custom(format!(
                "`{key}` must be a list of text values, such as `{key}: [a, b]`"
            ))),
        },
    )
}

/// A mapping of names to text values (params); numbers and booleans keep their spelling.
pub(super) fn text_map<'de, D: Deserializer<'de>>(
    d: D,
    key: &str,
) -> Result<BTreeMap<String, String>, D::Error> {
    let message = format!("`{key}` must be a mapping of names to text values");
    value(d, Some(key), BTreeMap::new, |d| {
        d.deserialize_any(TextMapVisitor { key, message })
    })
}

/// A nested mapping read as `T`; empty means absent.
pub(super) fn mapping<'de, D, T>(d: D, message: &str) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    value(
        d,
        None,
        || None,
        |d| {
            d.deserialize_any(MappingVisitor {
                message,
                read: PhantomData,
            })
        },
    )
}

/// A list of `T`; empty means an empty list.
pub(super) fn list<'de, D, T>(d: D, message: &str) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    value(d, None, Vec::new, |d| {
        d.deserialize_any(ListVisitor {
            message,
            read: PhantomData,
        })
    })
}

/// Visitor methods that turn any scalar into the visitor's own message; scalars reach
/// `deserialize_any` already typed, hence one method per type.
macro_rules! reject_scalars {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(E::custom(self.message))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(E::custom(self.message))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(E::custom(self.message))
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
            Err(E::custom(self.message))
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
            Err(E::custom(self.message))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(E::custom(self.message))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(E::custom(self.message))
        }
        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
            Err(E::custom(self.message))
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

struct MappingVisitor<'m, T> {
    message: &'m str,
    read: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for MappingVisitor<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    reject_scalars!();

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(A::Error::custom(self.message))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
}

struct ListVisitor<'m, T> {
    message: &'m str,
    read: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    reject_scalars!();

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(A::Error::custom(self.message))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
}

struct TextMapVisitor<'k> {
    key: &'k str,
    message: String,
}

impl<'de> Visitor<'de> for TextMapVisitor<'_> {
    type Value = BTreeMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    reject_scalars!();

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(A::Error::custom(self.message))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(ParamValue {
                map: self.key,
                name: &name,
            })?;
            values.insert(name, value);
        }
        Ok(values)
    }
}

/// One value of a params mapping; a seed, so that its error names the param and sits at the
/// value.
struct ParamValue<'a> {
    map: &'a str,
    name: &'a str,
}

impl<'de> DeserializeSeed<'de> for ParamValue<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        value(
            d,
            None,
            String::new,
            |d| match Option::<String>::deserialize(d) {
                Ok(value) => Ok(value.unwrap_or_default()),
                Err(_) => Err(D::Error::custom(format!(
                    "value of `{}` in `{}` must be text, a number or true/false, not a list or mapping",
                    self.name, self.map
                ))),
            },
        )
    }
}
