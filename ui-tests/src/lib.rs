//! Compile-fail and compile-pass cases of kisflow's macros live in `tests/`; see README.md there.
