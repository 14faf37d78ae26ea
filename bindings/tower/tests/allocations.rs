//! What the layer itself allocates per request, counted by the oracle's
//! counting allocator: nothing to read the request, nothing to echo values
//! hyper parsed (they share its buffer), nothing for values built from the
//! policy; only the `http` crate's own storage when it must grow.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use corsgate_oracle::alloc;
use corsgate_tower::CorsLayer;
use http::{Extensions, HeaderMap, HeaderValue, Request, Response};
use tower::{Layer, Service};

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

const POLICY: &str = r#"
origins = ["https://app.example.com"]
methods = ["GET", "PUT"]
request_headers = ["content-type", "x-request-id"]
expose_headers = ["x-request-id"]
credentials = true
max_age = 600
"#;

/// An application whose response already has a header and room for more,
/// as real responses do (the no-op response of the bench has none).
#[derive(Clone, Copy)]
struct App;

impl Service<Request<()>> for App {
    type Response = Response<()>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Response<()>, Self::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        let mut res = Response::new(());
        res.headers_mut().reserve(16);
        res.headers_mut()
            .insert("content-type", HeaderValue::from_static("text/plain"));
        std::future::ready(Ok(res))
    }
}

/// A request whose values share their bytes, as hyper's do (they are
/// slices of its read buffer): `from_static` is the allocation-free
/// equivalent.
fn request(method: &str, headers: &[(&'static str, &'static str)]) -> Request<()> {
    let mut req = Request::builder().method(method).uri("/items");
    for &(n, v) in headers {
        req = req.header(n, HeaderValue::from_static(v));
    }
    req.body(()).expect("valid parts")
}

/// Allocations of one call (polled to completion once), after a warm-up
/// call on a request of the same shape.
fn allocations<S>(svc: &mut S, make: impl Fn() -> Request<()>) -> u64
where
    S: Service<Request<()>, Response = Response<()>, Error = std::convert::Infallible>,
{
    let mut call = |req| {
        let mut fut = pin!(svc.call(req));
        // Tests run on the toolchain that builds the dev-dependencies, not
        // the library's MSRV.
        #[allow(clippy::incompatible_msrv)]
        let mut cx = Context::from_waker(Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(res)) => res,
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => panic!("ready services are never pending"),
        }
    };
    drop(call(make()));
    let req = make();
    let (res, n) = alloc::count(|| call(req));
    drop(res);
    n
}

/// The layer's own allocations: around `App` less `App` alone.
fn own(layer: &CorsLayer, make: impl Fn() -> Request<()> + Copy) -> u64 {
    allocations(&mut layer.layer(App), make) - allocations(&mut App, make)
}

const ACTUAL: &[(&str, &str)] = &[("origin", "https://app.example.com")];
const DENIED: &[(&str, &str)] = &[("origin", "https://evil.example")];
const PREFLIGHT: &[(&str, &str)] = &[
    ("origin", "https://app.example.com"),
    ("access-control-request-method", "PUT"),
    (
        "access-control-request-headers",
        "content-type,x-request-id",
    ),
];

#[test]
fn forwarded_requests_cost_no_allocation_of_the_layers_own() {
    let layer = CorsLayer::from_toml(POLICY)
        .expect("valid policy")
        .decision_extension(false);
    for (what, headers) in [("allowed", ACTUAL), ("denied", DENIED), ("no origin", &[])] {
        let n = own(&layer, || request("GET", headers));
        assert_eq!(n, 0, "{what}: the layer allocated {n} time(s)");
    }
}

#[test]
fn the_extension_costs_what_the_http_crate_charges_for_it() {
    let layer = CorsLayer::from_toml(POLICY).expect("valid policy");
    let (_, map) = alloc::count(|| {
        let mut e = Extensions::new();
        e.insert(0u32);
        e
    });
    let n = own(&layer, || request("GET", ACTUAL));
    assert_eq!(
        n, map,
        "the layer allocated {n} time(s), the extension map {map}"
    );
}

#[test]
fn a_preflight_costs_its_response_header_map_only() {
    let layer = CorsLayer::from_toml(POLICY).expect("valid policy");
    let headers = layer
        .policy()
        .evaluate(
            b"OPTIONS",
            &PREFLIGHT
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
                .collect::<Vec<_>>(),
        )
        .headers()
        .len();
    assert_eq!(headers, 6, "ACAO, ACAC, ACAM, ACAH, ACMA and Vary");
    let (_, map) = alloc::count(|| {
        let mut m = HeaderMap::<HeaderValue>::new();
        m.reserve(headers);
        m
    });
    // The layer answers, so `App` is never called: count the whole call.
    let n = allocations(&mut layer.layer(App), || request("OPTIONS", PREFLIGHT));
    assert_eq!(
        n, map,
        "the preflight allocated {n} time(s), its header map {map}"
    );
}
