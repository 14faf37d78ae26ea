//! Test oracles for corsgate, shared by the core's tests (`tests/`), its
//! benches (`benches/`) and the fuzz targets (`fuzz/`), so that each piece
//! of checking logic exists once.
//!
//! The oracles are written from `docs/semantics.md` and share no code with
//! the engine: a bug in the engine cannot hide in its own test.
//!
//! * [`reference`](mod@reference): a deliberately simple evaluator (owned strings, linear
//!   scans, one step per documented rule), for differential checks;
//! * [`origin`]: a naive serialized-origin validator and pattern matcher;
//! * [`invariants`]: what every decision must satisfy, whatever the input;
//! * [`head`]: writing and splitting raw request heads without the engine's
//!   scanner;
//! * [`alloc`]: the counting global allocator behind the zero-allocation
//!   checks;
//! * [`config`]: policy settings, key for key, for the engine and the
//!   reference alike;
//! * [`fixtures`]: the browser request heads of `examples/`;
//! * `vectors` (feature `vectors`): the conformance vectors of
//!   `tests/vectors/`.
//!
//! The policy compiler's canary probe (`src/policy/compile.rs`) keeps its
//! own naive matcher on purpose: it runs in production builds, where this
//! crate does not exist.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod alloc;
pub mod config;
pub mod fixtures;
pub mod head;
pub mod invariants;
pub mod origin;
pub mod reference;
#[cfg(feature = "vectors")]
pub mod vectors;
