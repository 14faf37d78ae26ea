//! [`Cors`]: the service a [`CorsLayer`](crate::CorsLayer) wraps around
//! another.

use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use tower_service::Service;

use crate::decision::CorsDecision;
use crate::future::ResponseFuture;
use crate::headers::{self, Carried, RequestFields};
use crate::layer::Shared;

/// Applies a corsgate policy around the service `S` (see the
/// [crate documentation](crate) for what happens to each request).
#[derive(Clone, Debug)]
pub struct Cors<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Cors<S> {
    pub(crate) fn new(inner: S, shared: Arc<Shared>) -> Self {
        Cors { inner, shared }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped service, taken out.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// The policy applied.
    pub fn policy(&self) -> &corsgate::Policy {
        &self.shared.policy
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let shared = &*self.shared;
        let fields = RequestFields::read(req.method(), req.headers());
        let decision = shared.policy.evaluate_view(&fields.view);
        if decision.status() != 0 {
            // A preflight the policy answers itself.
            let mut response = Response::new(ResBody::default());
            *response.status_mut() =
                StatusCode::from_u16(decision.status()).unwrap_or(StatusCode::FORBIDDEN);
            headers::write_all(shared, &fields, &decision, response.headers_mut());
            return ResponseFuture::answered(response);
        }
        let carried = Carried::of(shared, &fields, &decision);
        if shared.extension {
            let summary = CorsDecision::of(&decision);
            req.extensions_mut().insert(summary);
        }
        ResponseFuture::inner(self.inner.call(req), carried)
    }
}
