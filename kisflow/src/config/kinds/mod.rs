//! One reader per `kistype`: its public config type, the keys it accepts (`SHAPE`) and how a
//! document of that kind becomes an item. They report through `Doc` and know nothing of the
//! document reader above them.

pub(in crate::config) mod conn;
pub(in crate::config) mod flow;
pub(in crate::config) mod func;
pub(in crate::config) mod global;
#[cfg(feature = "schedule")]
pub(in crate::config) mod schedule;
pub(in crate::config) mod source;
mod source_addrs;
