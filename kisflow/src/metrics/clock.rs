//! The clock that times runs and calls while metrics are recorded. The run loop reads it through
//! this one name, so how it is read (and what it costs a call) is decided here.

pub(crate) use std::time::Instant;
