//! `kistype: flow`: [`FlowConfig`], read and written with Go KisFlow's keys.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_saphyr::{Location, Spanned};

use crate::config::doc::Doc;
use crate::config::fields::{self, Text};
use crate::config::keys::{Key, Shape};
use crate::config::problem::{Place, PlaceKey};

use super::source::{self, RawSource, SourceConfig, SourceOut};

/// A flow's config (`kistype: flow`): its name, whether it runs, and its functions in order.
///
/// ```
/// use kisflow::config::{Config, FlowConfig, FlowFunction};
///
/// let mut flow = FlowConfig::new("flowName1");
/// flow.flows.push(FlowFunction::new("funcName1").param("myKey1", "flowValue1-1"));
/// flow.flows.push(FlowFunction::new("funcName2"));
/// let loaded = Config::load_str("flow.yml", &flow.to_yaml()).unwrap();
/// assert_eq!(loaded.flow("flowName1"), Some(&flow));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowConfig {
    /// The flow's name (`flow_name`).
    pub flow_name: String,
    /// `status: 1` (true) runs the flow; `status: 0` (false) switches it off.
    pub enabled: bool,
    /// Its functions, in the order rows pass through them (`flows`).
    pub flows: Vec<FlowFunction>,
    /// Where its rows come from when it runs as a worker (`source`); see [`SourceConfig`].
    pub source: Option<SourceConfig>,
}

/// One entry of a flow's `flows`: a function and the params the flow gives it.
///
/// ```
/// use kisflow::config::FlowFunction;
///
/// let entry = FlowFunction::new("funcName1").param("myKey1", "flowValue1-1");
/// assert_eq!(entry.params["myKey1"], "flowValue1-1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowFunction {
    /// The function's name (`fname`).
    pub fname: String,
    /// Params for this function in this flow (`params`); they win over its `default_params`.
    pub params: BTreeMap<String, String>,
}

impl FlowConfig {
    /// An enabled flow without functions.
    #[must_use]
    pub fn new(flow_name: impl Into<String>) -> Self {
        Self {
            flow_name: flow_name.into(),
            enabled: true,
            flows: Vec::new(),
            source: None,
        }
    }

    /// The config as a `kistype: flow` YAML document with every key, which
    /// [`Config::load_str`](crate::config::Config::load_str) reads back as an equal config.
    ///
    /// # Panics
    ///
    /// Never: the document holds only text, numbers, lists and mappings.
    #[must_use]
    pub fn to_yaml(&self) -> String {
        let out = FlowOut {
            kistype: "flow",
            status: u8::from(self.enabled),
            flow_name: &self.flow_name,
            source: self.source.as_ref().map(SourceOut::from),
            flows: self
                .flows
                .iter()
                .map(|f| EntryOut {
                    fname: &f.fname,
                    params: &f.params,
                })
                .collect(),
        };
        serde_saphyr::to_string(&out).expect("a flow config always serializes")
    }
}

impl FlowFunction {
    /// An entry without params.
    #[must_use]
    pub fn new(fname: impl Into<String>) -> Self {
        Self {
            fname: fname.into(),
            params: BTreeMap::new(),
        }
    }

    /// With one more param.
    #[must_use]
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(key.into(), value.into());
        self
    }
}

/// The keys of a flow document.
pub(in crate::config) const SHAPE: Shape = Shape::Keys(&[
    Key::new("kistype", Shape::Value),
    Key::new("status", Shape::Value),
    Key::new("flow_name", Shape::Value),
    Key::new("source", Shape::Keys(source::KEYS)),
    Key::new("flows", Shape::List(&Shape::Keys(ENTRY_KEYS))),
]);

const ENTRY_KEYS: &[Key] = &[
    Key::new("fname", Shape::Value),
    Key::new("params", Shape::Free),
];

const STATUS: &str = "`status` must be 1 (run the flow) or 0 (switch it off)";
const ENTRY: &str = "each entry of `flows` must be a mapping, such as `- fname: funcName1`";

#[derive(Deserialize)]
pub(in crate::config) struct RawFlow {
    #[serde(default, deserialize_with = "status")]
    status: Option<Spanned<Option<i64>>>,
    #[serde(default, deserialize_with = "flow_name")]
    flow_name: Option<Text>,
    #[serde(default, deserialize_with = "flows")]
    flows: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    source: Option<Spanned<RawSource>>,
}

#[derive(Deserialize)]
struct RawFields {
    #[serde(default, deserialize_with = "fname")]
    fname: Option<Text>,
    #[serde(default, deserialize_with = "params")]
    params: BTreeMap<String, String>,
}

/// An entry of `flows`, which must be a mapping.
struct RawEntry(RawFields);

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::mapping(d, ENTRY)?
            .map(RawEntry)
            .ok_or_else(|| D::Error::custom(ENTRY))
    }
}

fn status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spanned<Option<i64>>>, D::Error> {
    fields::value(
        d,
        Some("status"),
        || None,
        |d| {
            Spanned::<Option<i64>>::deserialize(d)
                .map(Some)
                .map_err(|_| D::Error::custom(STATUS))
        },
    )
}
fn flow_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "flow_name")
}
fn flows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Spanned<RawEntry>>, D::Error> {
    fields::list(
        d,
        "`flows` must be a list of functions, each `- fname: <name>`",
    )
}
fn fname<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "fname")
}
fn params<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    fields::text_map(d, "params")
}

impl RawFlow {
    /// The config and the places of the flow and its entries, or `None` after reporting why not.
    pub(in crate::config) fn build(
        self,
        doc: &mut Doc<'_>,
        root: &Location,
    ) -> Option<(FlowConfig, Vec<(PlaceKey, Place)>)> {
        let name = doc.name(self.flow_name, "flow_name", "name the flow", root);
        let enabled = match self.status {
            Some(Spanned {
                value: Some(status @ (0 | 1)),
                ..
            }) => Some(status == 1),
            Some(Spanned {
                value: Some(_),
                referenced,
                ..
            }) => {
                doc.report(&referenced, STATUS);
                None
            }
            // Reported already: there, but not a number.
            None if doc.skipped.contains("status") => None,
            // Go runs nothing for a flow without `status` and says nothing: we say it.
            missing => {
                let at = missing.map_or(*root, |status| status.referenced);
                let flow = name
                    .as_ref()
                    .map_or_else(|| "this flow".to_owned(), |n| format!("flow `{}`", n.value));
                doc.report(
                    &at,
                    format!(
                        "{flow} has no `status`: write `status: 1` to run it or `status: 0` to \
                         switch it off"
                    ),
                );
                None
            }
        };
        let source = match self.source {
            None => Some(None),
            Some(source) => source.value.build(doc, &source.referenced).map(Some),
        };
        let entries = self.flows.len();
        let mut flows = Vec::with_capacity(entries);
        let mut entry_places = Vec::with_capacity(entries);
        for entry in self.flows {
            let RawEntry(raw) = entry.value;
            if let Some(fname) = doc.name(
                raw.fname,
                "fname",
                "name the function to run",
                &entry.referenced,
            ) {
                entry_places.push(doc.place(&fname.referenced));
                flows.push(FlowFunction {
                    fname: fname.value,
                    params: raw.params,
                });
            }
        }
        let (name, enabled, source) = (name?, enabled?, source?);
        if flows.len() < entries {
            return None;
        }
        let mut places = vec![(
            PlaceKey::Flow(name.value.clone()),
            doc.place(&name.referenced),
        )];
        places.extend(entry_places.into_iter().enumerate().map(|(index, place)| {
            let key = PlaceKey::FlowFunction {
                flow: name.value.clone(),
                index,
            };
            (key, place)
        }));
        let config = FlowConfig {
            flow_name: name.value,
            enabled,
            flows,
            source,
        };
        Some((config, places))
    }
}

#[derive(Serialize)]
struct FlowOut<'a> {
    kistype: &'static str,
    status: u8,
    flow_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceOut<'a>>,
    flows: Vec<EntryOut<'a>>,
}

#[derive(Serialize)]
struct EntryOut<'a> {
    fname: &'a str,
    // Only params that are set: an exported flow shows what it changes.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    params: &'a BTreeMap<String, String>,
}
