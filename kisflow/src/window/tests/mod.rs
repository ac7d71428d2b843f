//! Tests of windows and the interval join.
mod join;
mod join_props;
mod window_props;
mod windows;
