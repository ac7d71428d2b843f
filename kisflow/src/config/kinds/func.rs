//! `kistype: func`: [`FuncConfig`], read and written with Go KisFlow's keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_saphyr::{Location, Spanned};

use crate::Mode;
use crate::config::describe::nearest;
use crate::config::doc::Doc;
use crate::config::fields::{self, Text};
use crate::config::keys::{Key, Shape};

/// A function's config (`kistype: func`): its name, mode, informational source and options.
///
/// ```
/// use kisflow::config::{Config, FuncConfig};
/// use kisflow::Mode;
///
/// let mut func = FuncConfig::new("funcName2", Mode::Save);
/// func.option.cname = Some("ConnName1".into());
/// let yaml = func.to_yaml();
/// assert!(yaml.starts_with("kistype: func\nfname: funcName2\nfmode: Save\n"));
/// let loaded = Config::load_str("func.yml", &yaml).unwrap();
/// assert_eq!(loaded.func("funcName2"), Some(&func));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncConfig {
    /// The function's name (`fname`), the name it is registered under.
    pub fname: String,
    /// Its mode (`fmode`).
    pub fmode: Mode,
    /// Where its rows come from (`source`), informational.
    pub source: Source,
    /// Its options (`option`).
    pub option: FuncOption,
}

/// A function's `source`: informational, never checked (as in Go).
///
/// ```
/// use kisflow::config::Config;
///
/// let yaml = "kistype: func\nfname: a\nfmode: Load\nsource:\n  name: Orders\n  must: [order_id]\n";
/// let config = Config::load_str("f.yml", yaml).unwrap();
/// assert_eq!(config.func("a").unwrap().source.must, ["order_id"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Source {
    /// `name`: what the rows are.
    pub name: String,
    /// `must`: fields the rows must have.
    pub must: Vec<String>,
}

/// A function's `option`.
///
/// ```
/// use kisflow::config::Config;
///
/// // Go's files spell `retry_duration` as `return_duration`; both are read.
/// let yaml = "kistype: func\nfname: a\nfmode: Save\noption:\n  return_duration: 300\n";
/// let config = Config::load_str("f.yml", yaml).unwrap();
/// let option = &config.func("a").unwrap().option;
/// assert_eq!((option.cname.as_deref(), option.retry_duration_ms), (None, 300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FuncOption {
    /// `cname`: the connector it uses; an empty `cname` is none.
    pub cname: Option<String>,
    /// `retry_times`: stored, not interpreted (Go has no retries either).
    pub retry_times: u32,
    /// `retry_duration` in milliseconds (Go's file may spell it `return_duration`): stored, not
    /// interpreted.
    pub retry_duration_ms: u64,
    /// `default_params`: params the function gets in every flow, under the flow's own.
    pub default_params: BTreeMap<String, String>,
}

impl FuncConfig {
    /// A config with a name and a mode, no source and default options.
    #[must_use]
    pub fn new(fname: impl Into<String>, fmode: Mode) -> Self {
        Self {
            fname: fname.into(),
            fmode,
            source: Source::default(),
            option: FuncOption::default(),
        }
    }

    /// The config as a `kistype: func` YAML document with every key, which
    /// [`Config::load_str`](crate::config::Config::load_str) reads back as an equal config.
    ///
    /// # Panics
    ///
    /// Never: the document holds only text, numbers, lists and mappings.
    #[must_use]
    pub fn to_yaml(&self) -> String {
        let out = FuncOut {
            kistype: "func",
            fname: &self.fname,
            fmode: self.fmode.as_str(),
            source: Some(SourceOut {
                name: &self.source.name,
                must: &self.source.must,
            })
            .filter(|s| !s.name.is_empty() || !s.must.is_empty()),
            option: Some(OptionOut {
                cname: self.option.cname.as_deref().unwrap_or_default(),
                retry_times: self.option.retry_times,
                retry_duration: self.option.retry_duration_ms,
                default_params: &self.option.default_params,
            })
            .filter(|o| {
                !o.cname.is_empty()
                    || o.retry_times > 0
                    || o.retry_duration > 0
                    || !o.default_params.is_empty()
            }),
        };
        serde_saphyr::to_string(&out).expect("a func config always serializes")
    }
}

/// The keys of a func document.
pub(in crate::config) const SHAPE: Shape = Shape::Keys(&[
    Key::new("kistype", Shape::Value),
    Key::new("fname", Shape::Value),
    Key::new("fmode", Shape::Value),
    Key::new("source", Shape::Keys(SOURCE_KEYS)),
    Key::new("option", Shape::Keys(OPTION_KEYS)),
]);

const SOURCE_KEYS: &[Key] = &[
    Key::new("name", Shape::Value),
    Key::new("must", Shape::Value),
];

const OPTION_KEYS: &[Key] = &[
    Key::new("cname", Shape::Value),
    Key::new("retry_times", Shape::Value),
    Key::new("retry_duration", Shape::Value),
    Key::alias("return_duration", "retry_duration"),
    Key::new("default_params", Shape::Free),
];

#[derive(Deserialize)]
pub(in crate::config) struct RawFunc {
    #[serde(default, deserialize_with = "fname")]
    fname: Option<Text>,
    #[serde(default, deserialize_with = "fmode")]
    fmode: Option<Text>,
    #[serde(default, deserialize_with = "source")]
    source: Option<RawSource>,
    #[serde(default, deserialize_with = "option")]
    option: Option<RawOption>,
}

#[derive(Deserialize)]
struct RawSource {
    #[serde(default, deserialize_with = "name")]
    name: Option<Text>,
    #[serde(default, deserialize_with = "must")]
    must: Vec<String>,
}

#[derive(Deserialize)]
struct RawOption {
    #[serde(default, deserialize_with = "cname")]
    cname: Option<Text>,
    #[serde(default, deserialize_with = "retry_times")]
    retry_times: Option<u32>,
    #[serde(default, deserialize_with = "retry_duration")]
    retry_duration: Option<u64>,
    #[serde(default, deserialize_with = "return_duration")]
    return_duration: Option<u64>,
    #[serde(default, deserialize_with = "default_params")]
    default_params: BTreeMap<String, String>,
}

fn fname<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "fname")
}
fn fmode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "fmode")
}
fn source<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawSource>, D::Error> {
    fields::mapping(d, "`source` must be a mapping with the keys name, must")
}
fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawOption>, D::Error> {
    fields::mapping(
        d,
        "`option` must be a mapping with the keys cname, retry_times, retry_duration, default_params",
    )
}
fn name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "name")
}
fn must<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    fields::texts(d, "must")
}
fn cname<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "cname")
}
fn retry_times<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    fields::whole(d, "retry_times", "from 0 to 4294967295")
}
fn retry_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    fields::whole(d, "retry_duration", "of milliseconds, 0 or more")
}
fn return_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    fields::whole(d, "return_duration", "of milliseconds, 0 or more")
}
fn default_params<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    fields::text_map(d, "default_params")
}

impl RawFunc {
    /// The config and the place of its `fname`, or `None` after reporting why not.
    pub(in crate::config) fn build(
        self,
        doc: &mut Doc<'_>,
        root: &Location,
    ) -> Option<(FuncConfig, Text)> {
        let fname = doc.name(self.fname, "fname", "name the function", root);
        let fmode = match self.fmode {
            None if doc.skipped.contains("fmode") => None,
            None => {
                doc.report(
                    root,
                    "missing `fmode`: add `fmode:` with one of Verify, Save, Load, Calculate, \
                     Expand",
                );
                None
            }
            Some(text) => mode(doc, &text),
        };
        let source = self.source.map_or_else(Source::default, |raw| Source {
            name: raw.name.map(|t| t.value).unwrap_or_default(),
            must: raw.must,
        });
        let option = self
            .option
            .map_or_else(FuncOption::default, |raw| FuncOption {
                cname: raw.cname.map(|t| t.value).filter(|c| !c.is_empty()),
                retry_times: raw.retry_times.unwrap_or_default(),
                retry_duration_ms: raw
                    .retry_duration
                    .or(raw.return_duration)
                    .unwrap_or_default(),
                default_params: raw.default_params,
            });
        let (fname, fmode) = (fname?, fmode?);
        let config = FuncConfig {
            fname: fname.value.clone(),
            fmode,
            source,
            option,
        };
        Some((config, fname))
    }
}

/// The mode named by `fmode`; modes are case-sensitive, as `Mode`'s `FromStr` is.
fn mode(doc: &mut Doc<'_>, text: &Spanned<String>) -> Option<Mode> {
    if let Ok(mode) = text.value.parse() {
        return Some(mode);
    }
    let modes = Mode::ALL.map(Mode::as_str);
    let found = &text.value;
    let message = if found.is_empty() {
        "`fmode` is empty: write one of Verify, Save, Load, Calculate, Expand".to_owned()
    } else {
        let hint = match modes.iter().find(|m| m.eq_ignore_ascii_case(found)) {
            Some(exact) => format!("did you mean `{exact}`? modes are case-sensitive; "),
            None => nearest(found, &modes)
                .map(|near| format!("did you mean `{near}`? "))
                .unwrap_or_default(),
        };
        format!(
            "unknown fmode `{}`; {hint}expected one of {}",
            crate::error::excerpt(found),
            modes.join(", ")
        )
    };
    doc.report(&text.referenced, message);
    None
}

// What a func file says, without the keys that hold only their default: an exported file shows
// what is set, and loads back the same.
#[derive(Serialize)]
struct FuncOut<'a> {
    kistype: &'static str,
    fname: &'a str,
    fmode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    option: Option<OptionOut<'a>>,
}

#[derive(Serialize)]
struct SourceOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    must: &'a [String],
}

#[derive(Serialize)]
struct OptionOut<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    cname: &'a str,
    #[serde(skip_serializing_if = "is_zero")]
    retry_times: u32,
    #[serde(skip_serializing_if = "is_zero")]
    retry_duration: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    default_params: &'a BTreeMap<String, String>,
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}
