//! # corsgate-tower
//!
//! corsgate as a [tower] middleware, for axum, hyper and tonic services: a
//! drop-in for tower-http's `CorsLayer`, backed by a validated
//! [`corsgate::Policy`].
//!
//! ```
//! use corsgate_tower::CorsLayer;
//!
//! let layer = CorsLayer::from_toml(r#"
//!     origins = ["https://app.example.com", "https://*.example.com"]
//!     methods = ["GET", "POST", "PUT"]
//!     request_headers = ["content-type", "authorization"]
//!     credentials = true
//!     max_age = 600
//! "#).expect("valid policy");
//! let app = axum::Router::<()>::new()
//!     .route("/api", axum::routing::get(|| async { "hello" }))
//!     .layer(layer);
//! # drop(app);
//! ```
//!
//! What the [`Cors`] service does with each request:
//!
//! * a preflight the policy answers (allowed, or denied and not forwarded)
//!   gets its response from the layer: status 204 (or the policy's
//!   `preflight_status`, or 403 when denied), the CORS headers and an empty
//!   body (`B::default()`); the inner service never sees it;
//! * every other request goes to the inner service, with the decision as a
//!   [`CorsDecision`] request extension, and the decision's headers are
//!   added to whatever response comes back, error statuses included: CORS
//!   response headers the inner service set (`Access-Control-*`) are
//!   removed, the policy being their only source, and `Vary` is appended
//!   to, never replaced (and `Vary: *` is left alone);
//! * in report-only mode (`mode = "report-only"`) the decision is made and
//!   attached as an extension, but no request is answered and no response
//!   changed.
//!
//! An `Err` from the inner service has no response to decorate and passes
//! through unchanged: put `CorsLayer` outside the layers that turn errors
//! into responses (axum's `HandleErrorLayer`), so those responses get CORS
//! headers too.
//!
//! The request's headers are read in place (four `HeaderMap` lookups at
//! most, nothing copied); response values that come from the policy are
//! `HeaderValue`s built once per layer, and values echoed from the request
//! (the origin, the requested method and headers) are clones of the
//! request's own `HeaderValue`s, which share the request's bytes.
//!
//! [tower]: https://docs.rs/tower
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod decision;
mod future;
mod headers;
mod layer;
mod service;

pub use decision::CorsDecision;
pub use future::ResponseFuture;
pub use layer::CorsLayer;
pub use service::Cors;

// Compiles the README's examples as doctests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
