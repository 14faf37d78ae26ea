//! The C ABI of corsgate: every `extern "C"` export of libcorsgate, and
//! the types they exchange.
//!
//! cbindgen turns this crate into `include/corsgate.h`. It is the only
//! crate of the project with `unsafe` code. Cargo builds it as
//! `libcorsgate_ffi.{a,so}` (and an rlib, so that Rust code such as the fuzz
//! targets can call the exports directly); `make -C bindings/c lib`
//! publishes the two libraries as `libcorsgate.a` and `libcorsgate.so`,
//! the names C hosts link against (see README.md).
//!
//! Conventions (the header's opening comment states them for C users):
//! every fallible export returns a [`corsgate_result`]; outputs come last
//! and are written only on success; NULL is an error code, never a crash;
//! every export runs inside a panic boundary.
//!
//! Soundness conventions: every `unsafe` block carries a `// SAFETY:`
//! comment naming the invariant it relies on; where that invariant is the
//! caller's, it is the `# Safety` section of the export's doc comment, which
//! cbindgen copies into the header. Pointers from C are checked for NULL
//! and alignment before use (`slice::required`, `slice::input_array`);
//! `{NULL, 0}` never reaches `slice::from_raw_parts`; lengths are bounded by
//! `isize::MAX`; enumerations from C travel as integers and are matched,
//! never transmuted; caller structs that may be partly uninitialised are
//! read field by field through raw pointers.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(clippy::missing_safety_doc)]
#![deny(missing_docs)]
#![allow(non_camel_case_types)]

mod abi_version;
mod boundary;
mod builder;
mod decision;
mod errors;
mod evaluate;
mod policy;
mod result;
mod slice;
#[cfg(feature = "test-panic")]
mod testing;
#[cfg(test)]
mod tests;
mod version;

pub use boundary::corsgate_result_str;
pub use builder::*;
pub use decision::*;
pub use errors::*;
pub use evaluate::*;
pub use policy::*;
pub use result::corsgate_result;
pub use slice::{corsgate_header, corsgate_slice};
#[cfg(feature = "test-panic")]
pub use testing::*;
pub use version::*;
