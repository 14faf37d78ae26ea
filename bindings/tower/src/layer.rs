//! [`CorsLayer`]: a compiled policy plus the header values built from it.

use std::sync::Arc;

use corsgate::{BuildErrors, Policy};
use http::HeaderValue;
use tower_layer::Layer;

use crate::service::Cors;

/// A tower [`Layer`] that applies a corsgate [`Policy`] to a service.
///
/// Build it from a policy ([`CorsLayer::new`], or `From<Policy>`) or from
/// the policy file's TOML ([`CorsLayer::from_toml`]); every refusal is
/// explained by the [`BuildErrors`] the policy build returns, before the
/// service starts. Cloning the layer, and every [`Cors`] service it makes,
/// shares one policy.
#[derive(Clone, Debug)]
pub struct CorsLayer {
    shared: Arc<Shared>,
}

/// The policy and the response values every request can reuse.
#[derive(Clone, Debug)]
pub(crate) struct Shared {
    pub(crate) policy: Policy,
    /// Whether forwarded requests carry a [`CorsDecision`](crate::CorsDecision).
    pub(crate) extension: bool,
    /// Values the policy or the engine's static data can put in a
    /// response, each built once; a decision value with the same bytes is
    /// answered with a clone (a reference count, no copy).
    pub(crate) fixed: Vec<HeaderValue>,
}

/// Values every policy may emit, from the engine's static data.
const STATIC_VALUES: [&str; 5] = [
    "Origin",
    "*",
    "true",
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
     Access-Control-Request-Private-Network",
];

impl CorsLayer {
    /// A layer applying `policy`.
    pub fn new(policy: Policy) -> Self {
        let mut fixed: Vec<HeaderValue> = STATIC_VALUES
            .iter()
            .map(|v| HeaderValue::from_static(v))
            .collect();
        for value in [policy.expose_headers_value(), policy.max_age_value()]
            .into_iter()
            .flatten()
        {
            // The engine's output is visible ASCII, so this never fails;
            // were it to, the value would be built per response instead.
            if let Ok(v) = HeaderValue::from_bytes(value) {
                // The first clone of a value built from owned bytes moves
                // them into a shared allocation; doing it here keeps that
                // allocation off the first request.
                drop(v.clone());
                fixed.push(v);
            }
        }
        CorsLayer {
            shared: Arc::new(Shared {
                policy,
                extension: true,
                fixed,
            }),
        }
    }

    /// Whether requests reach the inner service with a
    /// [`CorsDecision`](crate::CorsDecision) extension (the default). The
    /// `http` crate allocates a request's extension map on its first
    /// insert, three allocations per request that has none yet; a service
    /// that never reads the decision can turn this off.
    pub fn decision_extension(mut self, on: bool) -> Self {
        Arc::make_mut(&mut self.shared).extension = on;
        self
    }

    /// Builds the policy from the policy file's TOML text (see corsgate's
    /// `Policy::from_toml`): every problem comes back at once, each with its
    /// kind and the offending value.
    pub fn from_toml(text: &str) -> Result<Self, BuildErrors> {
        Policy::from_toml(text).map(CorsLayer::new)
    }

    /// The policy this layer applies.
    pub fn policy(&self) -> &Policy {
        &self.shared.policy
    }
}

impl From<Policy> for CorsLayer {
    fn from(policy: Policy) -> Self {
        CorsLayer::new(policy)
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors::new(inner, Arc::clone(&self.shared))
    }
}
