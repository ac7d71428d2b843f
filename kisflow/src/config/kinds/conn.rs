//! `kistype: conn`: a [`ConnConfig`] read and written with Go KisFlow's keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_saphyr::Location;

use crate::ConnConfig;
use crate::config::doc::Doc;
use crate::config::fields::{self, Text};
use crate::config::keys::{Key, Shape};

/// `conn` as a `kistype: conn` YAML document with every key (`type` for
/// [`conn_type`](ConnConfig::conn_type)), which [`Config::load_str`](crate::config::Config::load_str)
/// reads back as an equal config.
///
/// # Panics
///
/// Never: the document holds only text, lists and mappings.
///
/// ```
/// use kisflow::ConnConfig;
/// use kisflow::config::{Config, conn_to_yaml};
///
/// let conn = ConnConfig::new("ConnName1").addrs("0.0.0.0:9988").conn_type("redis");
/// let yaml = conn_to_yaml(&conn);
/// assert!(yaml.starts_with("kistype: conn\ncname: ConnName1\n"));
/// assert_eq!(Config::load_str("conn.yml", &yaml).unwrap().conn("ConnName1"), Some(&conn));
/// ```
#[must_use]
pub fn conn_to_yaml(conn: &ConnConfig) -> String {
    let out = ConnOut {
        kistype: "conn",
        cname: &conn.cname,
        addrs: &conn.addrs,
        conn_type: &conn.conn_type,
        key: &conn.key,
        params: &conn.params,
        load: &conn.load,
        save: &conn.save,
    };
    serde_saphyr::to_string(&out).expect("a conn config always serializes")
}

/// The keys of a conn document.
pub(in crate::config) const SHAPE: Shape = Shape::Keys(&[
    Key::new("kistype", Shape::Value),
    Key::new("cname", Shape::Value),
    Key::new("addrs", Shape::Value),
    Key::new("type", Shape::Value),
    Key::new("key", Shape::Value),
    Key::new("params", Shape::Free),
    Key::new("load", Shape::Value),
    Key::new("save", Shape::Value),
]);

#[derive(Deserialize)]
pub(in crate::config) struct RawConn {
    #[serde(default, deserialize_with = "cname")]
    cname: Option<Text>,
    #[serde(default, deserialize_with = "addrs")]
    addrs: Option<Text>,
    #[serde(default, rename = "type", deserialize_with = "conn_type")]
    conn_type: Option<Text>,
    #[serde(default, deserialize_with = "key")]
    key: Option<Text>,
    #[serde(default, deserialize_with = "params")]
    params: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "load")]
    load: Vec<String>,
    #[serde(default, deserialize_with = "save")]
    save: Vec<String>,
}

fn cname<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "cname")
}
fn addrs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "addrs")
}
fn conn_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "type")
}
fn key<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "key")
}
fn params<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    fields::text_map(d, "params")
}
fn load<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    fields::texts(d, "load")
}
fn save<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    fields::texts(d, "save")
}

impl RawConn {
    /// The config and the place of its `cname`, or `None` after reporting why not.
    pub(in crate::config) fn build(
        self,
        doc: &mut Doc<'_>,
        root: &Location,
    ) -> Option<(ConnConfig, Text)> {
        let cname = doc.name(self.cname, "cname", "name the connector", root)?;
        let text = |t: Option<Text>| t.map(|t| t.value).unwrap_or_default();
        let config = ConnConfig {
            cname: cname.value.clone(),
            addrs: text(self.addrs),
            conn_type: text(self.conn_type),
            key: text(self.key),
            params: self.params,
            load: self.load,
            save: self.save,
        };
        Some((config, cname))
    }
}

#[derive(Serialize)]
struct ConnOut<'a> {
    kistype: &'static str,
    cname: &'a str,
    addrs: &'a str,
    #[serde(rename = "type")]
    conn_type: &'a str,
    key: &'a str,
    params: &'a BTreeMap<String, String>,
    load: &'a [String],
    save: &'a [String],
}
