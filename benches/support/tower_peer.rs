//! The tower-http `CorsLayer` peer: the same policy as the corpus, wrapped
//! around a service that does nothing, driven without an async runtime.

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method, Request, Response};
use tower::{Layer, Service};
use tower_http::cors::{AllowOrigin, Cors, CorsLayer};

use crate::corpus::{self, Scenario};

/// Which scenarios also run through tower-http, and with which origin list.
/// tower-http has no wildcard origins and does not look at ACRH, so the
/// pattern and adversarial-ACRH scenarios have no like-for-like peer.
/// (Shared with the corsgate-tower bench, `bindings/tower/benches/layer.rs`.)
pub fn tower_origins(s: &Scenario) -> Option<Vec<String>> {
    let single = || vec![corpus::APP_ORIGIN.to_string()];
    match s.name.as_str() {
        "preflight/chrome"
        | "actual/firefox-cookies"
        | "actual/denied"
        | "no-origin"
        | "origins/1" => Some(single()),
        n if n.starts_with("origins/1000/") => Some((0..1000).map(corpus::many_origin).collect()),
        _ => None,
    }
}

/// An inner service that answers an empty response at once. On its own it
/// is the baseline: what the host spends with no CORS layer at all.
#[derive(Clone, Copy, Debug)]
pub struct NoOp;

impl Service<Request<()>> for NoOp {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: Request<()>) -> Self::Future {
        ready(Ok(Response::new(())))
    }
}

/// The corpus policy as tower-http expresses it: `origins` exact origins
/// (a linear list when there are several, tower-http's only list form).
pub fn layered(origins: &[String]) -> Cors<NoOp> {
    let x_request_id = HeaderName::from_static("x-request-id");
    let allow = match origins {
        [one] => AllowOrigin::exact(HeaderValue::from_str(one).expect("valid origin")),
        many => AllowOrigin::list(
            many.iter()
                .map(|o| HeaderValue::from_str(o).expect("valid origin")),
        ),
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE, x_request_id.clone()])
        .expose_headers([x_request_id])
        .allow_credentials(true)
        .max_age(Duration::from_secs(600))
        .layer(NoOp)
}

/// An `http::Request` carrying the header list; built outside timed code.
pub fn request(method: &[u8], headers: &[(&[u8], &[u8])]) -> Request<()> {
    let mut b = Request::builder().method(method).uri("/api/v1/items");
    for &(name, value) in headers {
        b = b.header(name, value);
    }
    b.body(()).expect("corpus heads are valid http requests")
}

/// Calls the service and polls its future once; both services here are
/// ready at once, so one poll is the whole request.
pub fn call_once<S>(svc: &mut S, req: Request<()>) -> Response<()>
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    let mut fut = pin!(svc.call(req));
    // The benches run on the toolchain that builds the dev-dependencies,
    // not the library's MSRV; `Waker::noop` (1.85) spares a futures crate.
    #[allow(clippy::incompatible_msrv)]
    let waker = Waker::noop();
    match fut.as_mut().poll(&mut Context::from_waker(waker)) {
        Poll::Ready(Ok(response)) => response,
        Poll::Ready(Err(never)) => match never {},
        Poll::Pending => panic!("a no-op service is never pending"),
    }
}

/// Times `svc` under `name` in `group`: one fresh request per iteration,
/// built outside the timing (a request is consumed by the call), then one
/// call. Every tower service of the benches is timed this way, so their
/// figures compare.
pub fn bench_service<S>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    svc: &mut S,
    method: &[u8],
    headers: &[(&[u8], &[u8])],
) where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    group.bench_function(name, |b| {
        b.iter_batched(
            || request(method, headers),
            |req| call_once(svc, std::hint::black_box(req)),
            BatchSize::SmallInput,
        );
    });
}
