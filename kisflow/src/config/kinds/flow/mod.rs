//! `kistype: flow`: [`FlowConfig`], read and written with Go KisFlow's keys, plus `branches`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::source::{SourceConfig, SourceOut};

mod read;

pub(in crate::config) use read::{RawFlow, SHAPE};

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
///
/// A flow may end in branches, as `flow!(Name: a -> b -> [c -> d, e])` does: `flows` is the
/// trunk, and each of `branches` a chain that gets its own copy of the rows the trunk's last
/// function emits. In YAML:
///
/// ```
/// use kisflow::config::Config;
///
/// let yaml = "
/// kistype: flow
/// status: 1
/// flow_name: Scores
/// flows:
///   - fname: VerifyStu
///   - fname: AvgStuScore
/// branches:
///   - flows:
///       - fname: ReportLine
///       - fname: PrintReport
///   - flows:
///       - fname: HonourRoll
/// ";
/// let config = Config::load_str("flow-Scores.yml", yaml).unwrap();
/// let flow = config.flow("Scores").unwrap();
/// assert_eq!(flow.branches.len(), 2);
/// assert_eq!(flow.branch_starts(), [2, 4]);
/// let names: Vec<&str> = flow.entries().map(|f| f.fname.as_str()).collect();
/// assert_eq!(names, ["VerifyStu", "AvgStuScore", "ReportLine", "PrintReport", "HonourRoll"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowConfig {
    /// The flow's name (`flow_name`).
    pub flow_name: String,
    /// `status: 1` (true) runs the flow; `status: 0` (false) switches it off.
    pub enabled: bool,
    /// Its functions, in the order rows pass through them (`flows`); the trunk when the flow has
    /// branches.
    pub flows: Vec<FlowFunction>,
    /// The chains the trunk's last function feeds, each run on its own copy of its rows, in this
    /// order (`branches`, each `- flows: [...]`); empty for a chain, otherwise two or more.
    pub branches: Vec<Vec<FlowFunction>>,
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
            branches: Vec::new(),
            source: None,
        }
    }

    /// Every function entry: the trunk's (`flows`), then each branch's in order. This is the
    /// order of the flow's stages, so entry `i` configures stage `i` of the built flow.
    ///
    /// ```
    /// use kisflow::config::{FlowConfig, FlowFunction};
    ///
    /// let mut flow = FlowConfig::new("F");
    /// flow.flows.push(FlowFunction::new("a"));
    /// flow.branches.push(vec![FlowFunction::new("b"), FlowFunction::new("c")]);
    /// flow.branches.push(vec![FlowFunction::new("d")]);
    /// assert_eq!(flow.entries().map(|f| f.fname.as_str()).collect::<Vec<_>>(), ["a", "b", "c", "d"]);
    /// ```
    pub fn entries(&self) -> impl Iterator<Item = &FlowFunction> {
        self.flows.iter().chain(self.branches.iter().flatten())
    }

    /// Where each branch starts among [`entries`](Self::entries); empty for a chain. The same
    /// numbers as [`FlowInfo::branches`](crate::FlowInfo::branches) for a `flow!`.
    ///
    /// ```
    /// use kisflow::config::{FlowConfig, FlowFunction};
    ///
    /// let mut flow = FlowConfig::new("F");
    /// flow.flows.push(FlowFunction::new("a"));
    /// flow.branches.push(vec![FlowFunction::new("b"), FlowFunction::new("c")]);
    /// flow.branches.push(vec![FlowFunction::new("d")]);
    /// assert_eq!(flow.branch_starts(), [1, 3]);
    /// ```
    #[must_use]
    pub fn branch_starts(&self) -> Vec<usize> {
        let mut start = self.flows.len();
        self.branches
            .iter()
            .map(|branch| {
                let at = start;
                start += branch.len();
                at
            })
            .collect()
    }

    /// Its functions as `flow!` writes them: `a -> b`, or `a -> [b, c -> d]` with branches.
    ///
    /// ```
    /// use kisflow::config::{FlowConfig, FlowFunction};
    ///
    /// let mut flow = FlowConfig::new("F");
    /// flow.flows.push(FlowFunction::new("a"));
    /// flow.branches.push(vec![FlowFunction::new("b")]);
    /// flow.branches.push(vec![FlowFunction::new("c"), FlowFunction::new("d")]);
    /// assert_eq!(flow.outline(), "a -> [b, c -> d]");
    /// ```
    #[must_use]
    pub fn outline(&self) -> String {
        let names: Vec<&str> = self.entries().map(|f| f.fname.as_str()).collect();
        crate::registry::outline(&names, &self.branch_starts())
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
            flows: entries(&self.flows),
            branches: self
                .branches
                .iter()
                .map(|branch| BranchOut {
                    flows: entries(branch),
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

#[derive(Serialize)]
struct FlowOut<'a> {
    kistype: &'static str,
    status: u8,
    flow_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceOut<'a>>,
    flows: Vec<EntryOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    branches: Vec<BranchOut<'a>>,
}

/// The entries of one `flows` list, as written.
fn entries(list: &[FlowFunction]) -> Vec<EntryOut<'_>> {
    list.iter()
        .map(|f| EntryOut {
            fname: &f.fname,
            params: &f.params,
        })
        .collect()
}

#[derive(Serialize)]
struct BranchOut<'a> {
    flows: Vec<EntryOut<'a>>,
}

#[derive(Serialize)]
struct EntryOut<'a> {
    fname: &'a str,
    // Only params that are set: an exported flow shows what it changes.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    params: &'a BTreeMap<String, String>,
}
