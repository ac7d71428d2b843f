//! Reading a `kistype: flow` document: its keys, each value's reader, and the checks that need
//! only the document (a status of 0 or 1, named functions, two branches or more).

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_saphyr::{Location, Spanned};

use super::{FlowConfig, FlowFunction};
use crate::config::doc::Doc;
use crate::config::fields::{self, Text};
use crate::config::keys::{Key, Shape};
use crate::config::kinds::source::{self, RawSource};
use crate::config::problem::{Place, PlaceKey};

/// The keys of a flow document.
pub(in crate::config) const SHAPE: Shape = Shape::Keys(&[
    Key::new("kistype", Shape::Value),
    Key::new("status", Shape::Value),
    Key::new("flow_name", Shape::Value),
    Key::new("source", Shape::Keys(source::KEYS)),
    Key::new("flows", ENTRIES),
    Key::new("branches", Shape::List(&Shape::Keys(BRANCH_KEYS))),
]);

const ENTRIES: Shape = Shape::List(&Shape::Keys(ENTRY_KEYS));

const ENTRY_KEYS: &[Key] = &[
    Key::new("fname", Shape::Value),
    Key::new("params", Shape::Free),
];

const BRANCH_KEYS: &[Key] = &[Key::new("flows", ENTRIES)];

const STATUS: &str = "`status` must be 1 (run the flow) or 0 (switch it off)";
const ENTRY: &str = "each entry of `flows` must be a mapping, such as `- fname: funcName1`";
const BRANCH: &str = "each entry of `branches` must be a mapping that lists the branch's \
                      functions, such as `- flows: [{fname: funcName3}]`";

#[derive(Deserialize)]
pub(in crate::config) struct RawFlow {
    #[serde(default, deserialize_with = "status")]
    status: Option<Spanned<Option<i64>>>,
    #[serde(default, deserialize_with = "flow_name")]
    flow_name: Option<Text>,
    #[serde(default, deserialize_with = "flows")]
    flows: Vec<Spanned<RawEntry>>,
    #[serde(default, deserialize_with = "branches")]
    branches: Vec<Spanned<RawBranch>>,
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

#[derive(Deserialize)]
struct RawBranchFields {
    #[serde(default, deserialize_with = "flows")]
    flows: Vec<Spanned<RawEntry>>,
}

/// An entry of `branches`, which must be a mapping with its own `flows`.
struct RawBranch(RawBranchFields);

impl<'de> Deserialize<'de> for RawBranch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fields::mapping(d, BRANCH)?
            .map(RawBranch)
            .ok_or_else(|| D::Error::custom(BRANCH))
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
fn branches<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Spanned<RawBranch>>, D::Error> {
    fields::list(
        d,
        "`branches` must be a list of branches, each `- flows: [{fname: <name>}, ...]`",
    )
}
fn fname<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "fname")
}
fn params<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    fields::text_map(d, "params")
}

impl RawFlow {
    /// The config and the places of the flow and its entries (the trunk's, then each branch's,
    /// numbered on), or `None` after reporting why not.
    pub(in crate::config) fn build(
        self,
        doc: &mut Doc<'_>,
        root: &Location,
    ) -> Option<(FlowConfig, Vec<(PlaceKey, Place)>)> {
        let name = doc.name(self.flow_name, "flow_name", "name the flow", root);
        let enabled = enabled(self.status, name.as_ref(), doc, root);
        let source = match self.source {
            None => Some(None),
            Some(source) => source.value.build(doc, &source.referenced).map(Some),
        };
        let mut places = Vec::new();
        let flows = entries(self.flows, doc, &mut places);
        let branches = branches_of(self.branches, flows.as_ref(), doc, &mut places);
        let (name, enabled, source, flows, branches) =
            (name?, enabled?, source?, flows?, branches?);
        let mut keyed = vec![(
            PlaceKey::Flow(name.value.clone()),
            doc.place(&name.referenced),
        )];
        keyed.extend(places.into_iter().enumerate().map(|(index, place)| {
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
            branches,
            source,
        };
        Some((config, keyed))
    }
}

/// `status: 1` or `status: 0`, reported otherwise.
fn enabled(
    status: Option<Spanned<Option<i64>>>,
    name: Option<&Text>,
    doc: &mut Doc<'_>,
    root: &Location,
) -> Option<bool> {
    match status {
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
            let flow =
                name.map_or_else(|| "this flow".to_owned(), |n| format!("flow `{}`", n.value));
            doc.report(
                &at,
                format!(
                    "{flow} has no `status`: write `status: 1` to run it or `status: 0` to switch \
                     it off"
                ),
            );
            None
        }
    }
}

/// The entries of one `flows` list, each with its place appended to `places`; `None` when one
/// of them names no function (reported).
fn entries(
    raw: Vec<Spanned<RawEntry>>,
    doc: &mut Doc<'_>,
    places: &mut Vec<Place>,
) -> Option<Vec<FlowFunction>> {
    let count = raw.len();
    let mut flows = Vec::with_capacity(count);
    for entry in raw {
        let RawEntry(raw) = entry.value;
        let what = "name the function to run";
        if let Some(fname) = doc.name(raw.fname, "fname", what, &entry.referenced) {
            places.push(doc.place(&fname.referenced));
            flows.push(FlowFunction {
                fname: fname.value,
                params: raw.params,
            });
        }
    }
    (flows.len() == count).then_some(flows)
}

/// The branches, which follow a trunk of at least one function, number two or more, and each
/// list at least one function; `None` after reporting what is wrong.
fn branches_of(
    raw: Vec<Spanned<RawBranch>>,
    trunk: Option<&Vec<FlowFunction>>,
    doc: &mut Doc<'_>,
    places: &mut Vec<Place>,
) -> Option<Vec<Vec<FlowFunction>>> {
    let Some(first) = raw.first().map(|branch| branch.referenced) else {
        return Some(Vec::new());
    };
    let mut fine = true;
    if trunk.is_some_and(Vec::is_empty) && !doc.skipped.contains("flows") {
        doc.report(
            &first,
            "`branches` follow the trunk's last function, but `flows` lists none; list the \
             functions the rows pass through before they branch under `flows`",
        );
        fine = false;
    }
    if raw.len() == 1 {
        doc.report(
            &first,
            "`branches` lists one branch; a flow branches into two or more, each run on its own \
             copy of the rows: add a branch, or put this one's functions at the end of `flows`",
        );
        fine = false;
    }
    let mut branches = Vec::with_capacity(raw.len());
    for branch in raw {
        let RawBranch(fields) = branch.value;
        if fields.flows.is_empty() {
            if !doc.skipped.contains("flows") {
                doc.report(&branch.referenced, BRANCH);
            }
            fine = false;
            continue;
        }
        match entries(fields.flows, doc, places) {
            Some(flows) => branches.push(flows),
            None => fine = false,
        }
    }
    fine.then_some(branches)
}
