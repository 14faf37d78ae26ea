//! Compiled policies.

mod builder;
mod compile;
mod error;
mod pattern;
mod public_suffix;
mod punycode;
#[cfg(feature = "std")]
mod toml;

use alloc::boxed::Box;

pub use builder::{DeniedPreflight, Mode, PolicyBuilder, POLICY_KEYS};
pub use compile::MAX_MAX_AGE;
pub use error::{BuildError, BuildErrors, ErrorKind};

use crate::acrh::NameSet;
use crate::matcher::OriginMatcher;
use crate::syntax::{is_authorization, is_token};
use crate::table::{AsciiCase, Exact, Table};

/// A validated, compiled, immutable CORS policy.
///
/// Build one with [`PolicyBuilder`] or [`Policy::from_toml`], share it
/// freely (`Policy` is `Send + Sync` and never changes), and evaluate
/// requests with [`evaluate_head`](Policy::evaluate_head),
/// [`evaluate`](Policy::evaluate) or [`evaluate_view`](Policy::evaluate_view).
/// Evaluation never allocates and never panics.
#[derive(Clone, Debug)]
pub struct Policy {
    pub(crate) any_origin: bool,
    pub(crate) allow_null: bool,
    pub(crate) origins: OriginMatcher,
    pub(crate) credentials: bool,
    pub(crate) any_method: bool,
    pub(crate) methods: Table<Exact>,
    pub(crate) any_header: bool,
    pub(crate) headers: Table<AsciiCase>,
    /// The position of `authorization` in `headers`, if it is listed.
    pub(crate) authorization: Option<usize>,
    pub(crate) expose: Option<Box<[u8]>>,
    pub(crate) max_age: Option<Box<[u8]>>,
    pub(crate) private_network: bool,
    pub(crate) preflight_status: u16,
    pub(crate) forward_denied: bool,
    pub(crate) report_only: bool,
    pub(crate) settings: PolicyBuilder,
}

impl Policy {
    /// A new, empty [`PolicyBuilder`].
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::new()
    }

    /// The settings this policy was built from, as given.
    pub fn settings(&self) -> &PolicyBuilder {
        &self.settings
    }

    /// Whether credentialed requests are allowed.
    pub fn credentials(&self) -> bool {
        self.credentials
    }

    /// Whether the policy only reports (decides without changing responses).
    pub fn report_only(&self) -> bool {
        self.report_only
    }

    /// Whether denied preflights are forwarded to the application.
    pub fn forwards_denied_preflights(&self) -> bool {
        self.forward_denied
    }

    /// The `Access-Control-Expose-Headers` value of allowed actual
    /// responses, if the policy exposes headers. Decisions borrow it; a host
    /// that keeps header values of its own type (the tower layer's
    /// `http::HeaderValue`) builds its copy once from this.
    pub fn expose_headers_value(&self) -> Option<&[u8]> {
        self.expose.as_deref()
    }

    /// The `Access-Control-Max-Age` value of allowed preflights, if the
    /// policy sets one (see [`expose_headers_value`](Policy::expose_headers_value)).
    pub fn max_age_value(&self) -> Option<&[u8]> {
        self.max_age.as_deref()
    }
}

impl NameSet for Policy {
    #[inline(always)]
    fn allows(&self, name: &[u8]) -> Option<bool> {
        // Listed names are tokens, so a hit needs no syntax check; the
        // wildcard admits any token but `authorization`.
        match self.headers.get(name) {
            Some(i) => Some(Some(i) == self.authorization),
            None => (self.any_header && is_token(name) && !is_authorization(name)).then_some(false),
        }
    }

    #[inline(always)]
    fn leading_name(&self, list: &[u8]) -> Option<(usize, bool)> {
        self.headers
            .leading(list)
            .map(|(i, len)| (len, Some(i) == self.authorization))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn policy_is_send_and_sync() {
        assert_send_sync::<Policy>();
    }
}
