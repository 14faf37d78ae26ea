//! Moving from tower-http: one configuration written both ways, and the
//! responses compared request by request, where they agree and where
//! corsgate is deliberately stricter (the README's migration table).

mod support;

use std::time::Duration;

use corsgate_tower::CorsLayer;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method, Request, Response};
use tower::{Layer, ServiceExt};

/// The configuration as tower-http users write it.
fn tower_http_layer() -> tower_http::cors::CorsLayer {
    tower_http::cors::CorsLayer::new()
        .allow_origin([
            HeaderValue::from_static("https://app.example.com"),
            HeaderValue::from_static("https://admin.example.com"),
        ])
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([CONTENT_TYPE, AUTHORIZATION])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .allow_credentials(true)
        .max_age(Duration::from_secs(600))
}

/// The same configuration as a corsgate policy file.
const POLICY: &str = r#"
origins = ["https://app.example.com", "https://admin.example.com"]
methods = ["GET", "POST", "PUT"]
request_headers = ["content-type", "authorization"]
expose_headers = ["x-request-id"]
credentials = true
max_age = 600
"#;

/// The same configuration through the builder, setter for setter.
fn corsgate_layer() -> CorsLayer {
    let policy = corsgate::Policy::builder()
        .origins(["https://app.example.com", "https://admin.example.com"])
        .methods(["GET", "POST", "PUT"])
        .request_headers(["content-type", "authorization"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(600)
        .build()
        .expect("valid policy");
    CorsLayer::new(policy)
}

fn request(method: Method, headers: &[(&'static str, &'static str)]) -> Request<String> {
    let mut b = Request::builder().method(method).uri("/items");
    for &(n, v) in headers {
        b = b.header(n, v);
    }
    b.body(String::new()).expect("valid parts")
}

fn run<L>(layer: &L, req: Request<String>) -> Response<String>
where
    L: Layer<support::Inner>,
    L::Service: tower::Service<
        Request<String>,
        Response = Response<String>,
        Error = std::convert::Infallible,
    >,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let svc = layer.layer(support::Inner);
    rt.block_on(svc.oneshot(req))
        .unwrap_or_else(|never| match never {})
}

fn get<'r>(res: &'r Response<String>, name: &str) -> Option<&'r str> {
    res.headers().get(name).map(|v| v.to_str().expect("ASCII"))
}

/// Both ways of writing the policy build the same corsgate layer.
#[test]
fn the_policy_file_and_the_builder_agree() {
    let from_file = CorsLayer::from_toml(POLICY).expect("valid policy");
    let from_builder = corsgate_layer();
    let preflight = || {
        request(
            Method::OPTIONS,
            &[
                ("origin", "https://admin.example.com"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type"),
            ],
        )
    };
    let a = run(&from_file, preflight());
    let b = run(&from_builder, preflight());
    assert_eq!(a.status(), b.status());
    assert_eq!(a.headers(), b.headers());
}

#[test]
fn allowed_requests_get_the_same_answer_both_ways() {
    let theirs = tower_http_layer();
    let ours = corsgate_layer();

    let actual = || request(Method::GET, &[("origin", "https://app.example.com")]);
    let (t, o) = (run(&theirs, actual()), run(&ours, actual()));
    for name in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
    ] {
        assert_eq!(get(&t, name), get(&o, name), "{name}");
        assert!(get(&o, name).is_some(), "{name}");
    }
    assert_eq!(o.status(), t.status());
    assert_eq!(get(&o, "x-inner"), Some("1"));

    let preflight = || {
        request(
            Method::OPTIONS,
            &[
                ("origin", "https://admin.example.com"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type"),
            ],
        )
    };
    let (t, o) = (run(&theirs, preflight()), run(&ours, preflight()));
    for name in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-max-age",
    ] {
        assert_eq!(get(&t, name), get(&o, name), "{name}");
        assert!(get(&o, name).is_some(), "{name}");
    }
    // tower-http sends its configured lists; corsgate echoes what was asked
    // for once it has checked it. Either way the browser proceeds.
    assert_eq!(
        get(&t, "access-control-allow-methods"),
        Some("GET,POST,PUT")
    );
    assert_eq!(get(&o, "access-control-allow-methods"), Some("PUT"));
    assert_eq!(
        get(&t, "access-control-allow-headers"),
        Some("content-type,authorization")
    );
    assert_eq!(
        get(&o, "access-control-allow-headers"),
        Some("content-type")
    );
    // 200 from tower-http, 204 from corsgate (`preflight_status = 200` to
    // keep tower-http's), neither reaching the application.
    assert_eq!(t.status(), 200);
    assert_eq!(o.status(), 204);
    assert_eq!(get(&t, "x-inner"), None);
    assert_eq!(get(&o, "x-inner"), None);
}

#[test]
fn corsgate_refuses_what_tower_http_leaves_to_the_browser() {
    let theirs = tower_http_layer();
    let ours = corsgate_layer();

    // A disallowed origin: no ACAO either way.
    let evil = || request(Method::GET, &[("origin", "https://evil.example")]);
    let (t, o) = (run(&theirs, evil()), run(&ours, evil()));
    assert_eq!(get(&t, "access-control-allow-origin"), None);
    assert_eq!(get(&o, "access-control-allow-origin"), None);

    // A preflight asking for a method or header the policy does not list:
    // tower-http answers 200 with its lists and lets the browser refuse;
    // corsgate refuses it itself (403, no CORS headers).
    for (method, headers) in [("DELETE", "content-type"), ("PUT", "x-evil")] {
        let preflight = || {
            request(
                Method::OPTIONS,
                &[
                    ("origin", "https://app.example.com"),
                    ("access-control-request-method", method),
                    ("access-control-request-headers", headers),
                ],
            )
        };
        let (t, o) = (run(&theirs, preflight()), run(&ours, preflight()));
        assert_eq!(t.status(), 200, "{method} {headers}");
        assert_eq!(
            get(&t, "access-control-allow-origin"),
            Some("https://app.example.com")
        );
        assert_eq!(o.status(), 403, "{method} {headers}");
        assert_eq!(get(&o, "access-control-allow-origin"), None);
    }
}

/// tower-http panics when a `*` meets credentials (at `layer()`); the
/// policy build refuses it with an explanation instead.
#[test]
fn invalid_combinations_are_explained_not_panicked() {
    let err = CorsLayer::from_toml("origins = [\"*\"]\ncredentials = true\n").expect_err("refused");
    assert!(
        err.contains(corsgate::ErrorKind::WildcardWithCredentials),
        "{err}"
    );
}
