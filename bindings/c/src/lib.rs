//! The C ABI of corsgate.
//!
//! This crate builds `libcorsgate.a` and `libcorsgate.so`; cbindgen turns
//! its exports into `include/corsgate.h`. It is the only crate of the
//! project with `unsafe` code, and all of it lives in [`abi`], a module that
//! depends on nothing but the core crate (as `corsgate_engine`) so that other
//! Rust code can include it with `#[path]` and call the exports directly.
// The same lints are set in `abi/mod.rs`, so that crates including that
// module with `#[path]` (the fuzz targets) get them too.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(clippy::missing_safety_doc)]
#![deny(missing_docs)]

pub mod abi;
