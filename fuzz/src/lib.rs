//! Fuzz-only machinery for the corsgate fuzz targets.
//!
//! The oracles the targets check the engine against (the reference
//! evaluator, the naive origin matcher, the output invariants, the head
//! splitter and the counting allocator) live in the `corsgate-oracle` crate
//! (`oracle/` at the repository root), shared with the tests and benches.
//! What stays here only the fuzzer needs:
//!
//! * [`gen`]: structure-aware (`Arbitrary`) policies and requests;
//! * [`archetypes`]: the fixed policies of the `head` target.

pub mod archetypes;
pub mod gen;
