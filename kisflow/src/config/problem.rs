//! [`PlaceKey`], what a loaded config can be asked the place of, and the place of a value read by
//! serde-saphyr. The places and problems themselves live in `crate::diagnostics`.

pub use crate::diagnostics::{ConfigErrors, Place, Problem};

/// The place of a value read by serde-saphyr.
pub(super) fn place_at(file: &str, location: &serde_saphyr::Location) -> Place {
    Place::new(file, location.line(), location.column())
}

/// What [`Config::place`](super::Config::place) can be asked about.
///
/// ```
/// use kisflow::config::{Config, PlaceKey};
/// let config = Config::load_str("f.yml", "kistype: func\nfname: a\nfmode: Save\n").unwrap();
/// let place = config.place(&PlaceKey::Func("a".into())).unwrap();
/// assert_eq!(place.to_string(), "f.yml:2:8");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PlaceKey {
    /// A function, by `fname`: the place of its `fname` value.
    Func(String),
    /// A flow, by `flow_name`: the place of its `flow_name` value.
    Flow(String),
    /// A connector, by `cname`: the place of its `cname` value.
    Conn(String),
    /// A schedule, by `name`: the place of its `name` value.
    Schedule(String),
    /// The global config: the place of its `kistype` value.
    Global,
    /// Entry `index` (from 0) of a flow's `flows` list: the place of the entry's `fname` value.
    FlowFunction {
        /// The flow's name.
        flow: String,
        /// The entry's index in `flows`, from 0.
        index: usize,
    },
}
