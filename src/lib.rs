//! # corsgate
//!
//! A CORS engine for the hot path of HTTP servers and proxies.
//!
//! A [`Policy`] is compiled once, from a [`PolicyBuilder`] or a TOML policy
//! file, and validated hard: insecure or meaningless configurations are
//! refused with typed [`BuildErrors`]. Each request is then evaluated with
//! zero heap allocations, from the raw request head
//! ([`Policy::evaluate_head`]), a header list ([`Policy::evaluate`]) or a
//! host's pre-extracted fields ([`Policy::evaluate_view`]), and the engine
//! returns a [`Decision`]: the kind of request, whether it is allowed, a
//! stable [`Reason`], the status a preflight should get, and the exact CORS
//! response headers.
//!
//! ```
//! use corsgate::{Kind, Policy};
//!
//! let policy = Policy::from_toml(r#"
//!     origins = ["https://app.example.com", "https://*.example.com"]
//!     methods = ["GET", "POST", "PUT"]
//!     request_headers = ["content-type"]
//!     credentials = true
//!     max_age = 600
//! "#).expect("valid policy");
//!
//! let head = b"OPTIONS /api HTTP/1.1\r\nHost: api.example.com\r\n\
//!     Origin: https://app.example.com\r\n\
//!     Access-Control-Request-Method: PUT\r\n\
//!     Access-Control-Request-Headers: content-type\r\n\r\n";
//! let decision = policy.evaluate_head(head);
//! assert_eq!(decision.kind(), Kind::Preflight);
//! assert!(decision.allowed());
//! assert_eq!(decision.status(), 204);
//! assert_eq!(decision.header("Access-Control-Allow-Origin"), Some(&b"https://app.example.com"[..]));
//!
//! let mut buf = [0u8; 512];
//! let n = decision.write_headers(&mut buf).unwrap();
//! assert!(buf[..n].starts_with(b"Access-Control-Allow-Origin: https://app.example.com\r\n"));
//! ```
//!
//! ## Features
//!
//! * `std` (default): the TOML policy file ([`Policy::from_toml`]) and
//!   `std::error::Error` impls. (The `corsgate` command-line tool is a
//!   separate package, `corsgate-cli`, so this crate never depends on its
//!   argument parser or JSON serialiser.)
//! * `alloc`: policy building and evaluation, without `std`.
//! * neither: the allocation-free parts only (request scanning,
//!   [`RequestView`], reasons and decisions), for targets with no allocator.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::expect_used,
        clippy::panic
    )
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
#[macro_use]
extern crate std;

#[cfg(feature = "alloc")]
mod acrh;
mod decision;
#[cfg(feature = "alloc")]
mod eval;
#[cfg(feature = "alloc")]
mod matcher;
mod origin;
#[cfg(feature = "alloc")]
mod policy;
mod reason;
mod request;
mod scan;
mod syntax;
#[cfg(feature = "alloc")]
mod table;

#[cfg(feature = "alloc")]
pub use acrh::{MAX_ACRH_ELEMENTS, MAX_ACRH_EMPTY_ELEMENTS, MAX_ACRH_OWS_BYTES};
pub use decision::{names, Decision, DecisionSink, Header, Kind, MAX_HEADERS};
pub use origin::{MAX_HOST_BYTES, MAX_ORIGIN_BYTES, MAX_SCHEME_BYTES};
#[cfg(feature = "alloc")]
pub use policy::{
    BuildError, BuildErrors, DeniedPreflight, ErrorKind, Mode, Policy, PolicyBuilder, MAX_MAX_AGE,
    POLICY_KEYS,
};
pub use reason::Reason;
pub use request::{Field, FieldLines, RequestView, MAX_ACRH_BYTES, MAX_ACRH_LINES};
pub use scan::{scan_head, ScanError, MAX_HEAD_BYTES};

// Compiles the README's Rust examples as doctests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Whether `value` is a serialized origin a browser could send: lower-case
/// scheme and host, no path, no default port, canonical IP forms.
pub fn is_serialized_origin(value: &[u8]) -> bool {
    origin::parse(value).is_some()
}
