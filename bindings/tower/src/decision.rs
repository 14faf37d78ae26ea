//! The decision as handlers and tracing see it.

use corsgate::{Decision, Kind, Reason};

/// What the policy decided for a request: an owned summary of a
/// [`corsgate::Decision`] (which borrows from the request), inserted into
/// the request's extensions before it reaches the inner service.
///
/// ```
/// use axum::Extension;
/// use corsgate_tower::CorsDecision;
///
/// async fn handler(Extension(cors): Extension<CorsDecision>) -> String {
///     format!("{} {}", cors.kind(), cors.reason())
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CorsDecision {
    kind: Kind,
    allowed: bool,
    reason: Reason,
}

impl CorsDecision {
    pub(crate) fn of(d: &Decision<'_>) -> Self {
        CorsDecision {
            kind: d.kind(),
            allowed: d.allowed(),
            reason: d.reason(),
        }
    }

    /// `not_cors`, `preflight` (one the policy forwards, or any preflight
    /// in report-only mode) or `actual`.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether the policy allows the request (never for `not_cors`).
    pub fn allowed(&self) -> bool {
        self.allowed
    }

    /// Why, as a stable reason code ([`Reason::as_str`]).
    pub fn reason(&self) -> Reason {
        self.reason
    }
}
