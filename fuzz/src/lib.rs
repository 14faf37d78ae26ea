//! Shared machinery for the corsgate fuzz targets.
//!
//! The targets assert invariants, not just "no crash", and the invariants
//! need oracles that do not share code with the engine:
//!
//! * [`reference`]: a deliberately simple evaluator written from
//!   `docs/semantics.md` (allocation-happy, linear lists, no tables);
//! * [`origin_ref`]: a naive serialized-origin validator and pattern matcher;
//! * [`head`]: an independent way to pull header lines out of a raw head, so
//!   the scanner can be compared with the header-list path;
//! * [`invariants`]: the output-safety checks every decision must pass;
//! * [`alloc_count`]: a counting global allocator, to check that evaluation
//!   never allocates;
//! * [`config`]: policy settings shared by the engine and the reference;
//! * [`gen`]: structure-aware (`Arbitrary`) policies and requests.

pub mod alloc_count;
pub mod config;
pub mod gen;
pub mod head;
pub mod invariants;
pub mod origin_ref;
pub mod reference;
