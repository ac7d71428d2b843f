//! `kistype: global`: Go KisFlow's metrics keys, as a [`MetricsConfig`].

use serde::{Deserialize, Deserializer, Serialize};

use crate::config::fields::{self, Text};
use crate::config::keys::{Key, Shape};
use crate::metrics::MetricsConfig;

/// `global` as a `kistype: global` YAML document with every key, which
/// [`Config::load_str`](crate::config::Config::load_str) reads back as an equal config.
///
/// # Panics
///
/// Never: the document holds only text and booleans.
///
/// ```
/// use kisflow::config::{Config, global_to_yaml};
/// use kisflow::metrics::MetricsConfig;
///
/// let global = MetricsConfig {
///     prometheus_enable: true,
///     prometheus_listen: false,
///     prometheus_serve: "0.0.0.0:20004".into(),
/// };
/// let loaded = Config::load_str("kis-flow.yml", &global_to_yaml(&global)).unwrap();
/// assert_eq!(loaded.global(), Some(&global));
/// ```
#[must_use]
pub fn global_to_yaml(global: &MetricsConfig) -> String {
    let out = GlobalOut {
        kistype: "global",
        prometheus_enable: global.prometheus_enable,
        prometheus_listen: global.prometheus_listen,
        prometheus_serve: &global.prometheus_serve,
    };
    serde_saphyr::to_string(&out).expect("a global config always serializes")
}

/// The keys of a global document.
pub(in crate::config) const SHAPE: Shape = Shape::Keys(&[
    Key::new("kistype", Shape::Value),
    Key::new("prometheus_enable", Shape::Value),
    Key::new("prometheus_listen", Shape::Value),
    Key::new("prometheus_serve", Shape::Value),
]);

// The fields are Go's keys, `prometheus_` prefix and all.
#[allow(clippy::struct_field_names)]
#[derive(Deserialize)]
pub(in crate::config) struct RawGlobal {
    #[serde(default, deserialize_with = "prometheus_enable")]
    prometheus_enable: Option<bool>,
    #[serde(default, deserialize_with = "prometheus_listen")]
    prometheus_listen: Option<bool>,
    #[serde(default, deserialize_with = "prometheus_serve")]
    prometheus_serve: Option<Text>,
}

fn prometheus_enable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    fields::flag(d, "prometheus_enable")
}
fn prometheus_listen<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    fields::flag(d, "prometheus_listen")
}
fn prometheus_serve<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    fields::text(d, "prometheus_serve")
}

impl RawGlobal {
    /// Every key is optional, as in Go: a missing one is off or empty.
    pub(in crate::config) fn build(self) -> MetricsConfig {
        MetricsConfig {
            prometheus_enable: self.prometheus_enable.unwrap_or_default(),
            prometheus_listen: self.prometheus_listen.unwrap_or_default(),
            prometheus_serve: self.prometheus_serve.map(|t| t.value).unwrap_or_default(),
        }
    }
}

#[allow(clippy::struct_field_names)]
#[derive(Serialize)]
struct GlobalOut<'a> {
    kistype: &'static str,
    prometheus_enable: bool,
    prometheus_listen: bool,
    prometheus_serve: &'a str,
}
