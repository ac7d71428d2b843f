//! One YAML document to one config item, in three passes over the text:
//!
//! 1. the head: `kistype`, read with every other key ignored; this pass also meets every
//!    syntax error, since the parser reads the whole document;
//! 2. the keys (`keys.rs`): every unknown key, all reported, none stopping the next pass;
//! 3. the typed pass: the kind's raw struct, whose field readers (`fields.rs`) name the key of a
//!    value of the wrong type, then the checks serde cannot make (names, `fmode`, `status`).
//!
//! serde stops at the first error of a pass, so the typed pass runs again without each value
//! that failed (`pass.rs`): a document gets every bad value, unknown key and failed check at
//! once (syntax errors, from pass 1, stop the document).

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::{NonFiniteFloatPolicy, Options, Spanned};

use super::describe::unknown;
use super::doc::Doc;
use super::fields::{self, Text};
use super::keys::{self, KeySeed, Node, Shape};
use super::kinds::conn::{self, RawConn};
use super::kinds::flow::{self, FlowConfig, RawFlow};
use super::kinds::func::{self, FuncConfig, RawFunc};
use super::kinds::global::{self, RawGlobal};
#[cfg(feature = "schedule")]
use super::kinds::schedule::{self, RawSchedule, ScheduleConfig};
use super::problem::{Place, PlaceKey, Problem};
use crate::ConnConfig;
use crate::metrics::MetricsConfig;

/// The four kinds, in Go's order of `common.KisIDType*`, and kisflow's own `schedule`.
const KINDS: [&str; 5] = ["func", "flow", "conn", "global", "schedule"];

/// A config item read from a document, with the places of its parts; the first place is the
/// item's own.
pub(super) struct Item {
    pub(super) kind: ItemKind,
    pub(super) places: Vec<(PlaceKey, Place)>,
}

pub(super) enum ItemKind {
    Func(FuncConfig),
    Flow(FlowConfig),
    Conn(ConnConfig),
    Global(MetricsConfig),
    #[cfg(feature = "schedule")]
    // Boxed: croner's parsed pattern makes it several times the size of the others.
    Schedule(Box<ScheduleConfig>),
}

/// Reads one document, reporting its problems; `None` when it yields no item.
pub(super) fn read(file: &str, text: &str, problems: &mut Vec<Problem>) -> Option<Item> {
    let mut doc = Doc {
        file,
        problems,
        skipped: std::collections::BTreeSet::new(),
    };
    let head = match parse::<Head>(text) {
        Ok(head) => head,
        Err(error) => {
            if let serde_saphyr::Error::Unexpected {
                expected: "mapping start",
                location,
            } = error.without_snippet()
            {
                doc.report(
                    location,
                    "a config file must be a mapping of `key: value` lines, starting with \
                     `kistype: func`, `flow`, `conn` or `global`",
                );
            } else {
                doc.report_error(&error);
            }
            return None;
        }
    };
    let kind = match head.value.kistype {
        Some(kind) if !kind.value.is_empty() => kind,
        missing => {
            let at = missing.map_or(head.referenced, |kind| kind.referenced);
            doc.report(
                &at,
                "missing `kistype`: start the file with `kistype: func`, `flow`, `conn` or \
                 `global`",
            );
            return None;
        }
    };
    let shape = match kind.value.as_str() {
        "func" => &func::SHAPE,
        "flow" => &flow::SHAPE,
        "conn" => &conn::SHAPE,
        "global" => &global::SHAPE,
        #[cfg(feature = "schedule")]
        "schedule" => &schedule::SHAPE,
        #[cfg(not(feature = "schedule"))]
        "schedule" => {
            doc.report(
                &kind.referenced,
                "`kistype: schedule` needs kisflow's `schedule` feature; enable it in Cargo.toml",
            );
            return None;
        }
        other => {
            doc.report(&kind.referenced, unknown("kistype", other, &KINDS));
            return None;
        }
    };
    if !check_keys(&mut doc, text, shape) {
        return None;
    }
    match kind.value.as_str() {
        "func" => typed::<RawFunc>(&mut doc, text).and_then(|raw| {
            let (config, name) = raw.value.build(&mut doc, &raw.referenced)?;
            let place = doc.place(&name.referenced);
            Some(Item {
                places: vec![(PlaceKey::Func(config.fname.clone()), place)],
                kind: ItemKind::Func(config),
            })
        }),
        "flow" => typed::<RawFlow>(&mut doc, text).and_then(|raw| {
            let (config, places) = raw.value.build(&mut doc, &raw.referenced)?;
            Some(Item {
                places,
                kind: ItemKind::Flow(config),
            })
        }),
        "conn" => typed::<RawConn>(&mut doc, text).and_then(|raw| {
            let (config, name) = raw.value.build(&mut doc, &raw.referenced)?;
            let place = doc.place(&name.referenced);
            Some(Item {
                places: vec![(PlaceKey::Conn(config.cname.clone()), place)],
                kind: ItemKind::Conn(config),
            })
        }),
        #[cfg(feature = "schedule")]
        "schedule" => typed::<RawSchedule>(&mut doc, text).and_then(|raw| {
            let (config, name) = raw.value.build(&mut doc, &raw.referenced)?;
            let place = doc.place(&name.referenced);
            Some(Item {
                places: vec![(PlaceKey::Schedule(config.name.clone()), place)],
                kind: ItemKind::Schedule(Box::new(config)),
            })
        }),
        _ => typed::<RawGlobal>(&mut doc, text).map(|raw| Item {
            places: vec![(PlaceKey::Global, doc.place(&kind.referenced))],
            kind: ItemKind::Global(raw.value.build()),
        }),
    }
}

/// The key pass; false when the document cannot even be read as keys (that error is reported).
fn check_keys(doc: &mut Doc<'_>, text: &str, shape: &Shape) -> bool {
    match serde_saphyr::from_str_with_options::<Node>(text, options()) {
        Ok(node) => {
            keys::check(&node, shape, doc.file, doc.problems);
            true
        }
        Err(error) => {
            doc.report_error(&error);
            false
        }
    }
}

/// The typed pass, every bad value reported (`pass.rs`). The raw item comes back even after
/// errors, so that the kind's own checks report theirs too; [`Typed::clean`] says whether the
/// item may be kept.
fn typed<T: for<'de> Deserialize<'de>>(doc: &mut Doc<'_>, text: &str) -> Typed<T> {
    let runs = super::pass::every_problem(|| parse::<T>(text));
    for error in &runs.errors {
        doc.report_error(error);
    }
    doc.skipped = runs.skipped;
    Typed {
        raw: runs.value,
        clean: runs.errors.is_empty(),
    }
}

/// What the typed pass read, and whether it met no bad value.
struct Typed<T> {
    raw: Option<Spanned<T>>,
    clean: bool,
}

impl<T> Typed<T> {
    /// The kind's checks over the raw item, kept only when no value was bad.
    fn and_then<U>(self, build: impl FnOnce(Spanned<T>) -> Option<U>) -> Option<U> {
        let item = self.raw.and_then(build);
        if self.clean { item } else { None }
    }

    fn map<U>(self, build: impl FnOnce(Spanned<T>) -> U) -> Option<U> {
        self.and_then(|raw| Some(build(raw)))
    }
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Spanned<T>, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, options())
}

/// No snippets: a [`Problem`] carries the place and the caller shows the file as it likes.
/// Non-finite floats pass: `.inf` is a fine param value, and the key pass reads values untyped.
fn options() -> Options {
    let mut options = Options::default();
    options.with_snippet = false;
    options.non_finite_float_policy = NonFiniteFloatPolicy::PassThrough;
    options
}

/// The first pass: `kistype` alone, every other value skipped.
struct Head {
    kistype: Option<Text>,
}

impl<'de> Deserialize<'de> for Head {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeadVisitor)
    }
}

struct HeadVisitor;

impl<'de> Visitor<'de> for HeadVisitor {
    type Value = Head;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut kistype = None;
        // Keys are read as the key pass reads them, so a bad key gets the same message.
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if key.value == "kistype" {
                kistype = map.next_value_seed(KistypeSeed)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Head { kistype })
    }
}

struct KistypeSeed;

impl<'de> DeserializeSeed<'de> for KistypeSeed {
    type Value = Option<Text>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        fields::text(d, "kistype")
    }
}
