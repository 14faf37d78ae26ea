//! The layer around a real axum router, served by hyper on 127.0.0.1 and
//! spoken to over TCP: the conformance vectors, and the responses an
//! application makes itself (errors, its own CORS and `Vary` headers).

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use corsgate_oracle::vectors;
use corsgate_tower::{CorsDecision, CorsLayer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

/// No exchange with the local server takes this long; a hung one fails.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);

/// The handler every vector route runs: the decision it was handed.
async fn record(req: Request) -> Response {
    let seen = req
        .extensions()
        .get::<CorsDecision>()
        .map_or_else(|| "none".to_owned(), support::decision_text);
    (
        [(support::X_INNER, "1".to_owned()), (support::X_CORS, seen)],
        "inner",
    )
        .into_response()
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .expect("runtime")
}

/// Serves `app` on an ephemeral 127.0.0.1 port; the server stops with the
/// runtime, at the end of the test.
fn serve(rt: &Runtime, app: Router) -> SocketAddr {
    let listener = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    rt.spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A response as read off the wire: status and header lines in order,
/// names lower-cased.
struct Wire {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Wire {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Sends one request on a fresh connection and reads the response head.
async fn exchange(addr: SocketAddr, method: &str, target: &str, fields: &[(&[u8], &[u8])]) -> Wire {
    let mut fields = fields.to_vec();
    fields.push((b"Connection", b"close"));
    let head = corsgate_oracle::head::write(method.as_bytes(), target.as_bytes(), &fields);
    let io = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(&head).await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    let buf = tokio::time::timeout(EXCHANGE_TIMEOUT, io)
        .await
        .expect("the server answers in time")
        .expect("the exchange succeeds");
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut res = httparse::Response::new(&mut slots);
    match res.parse(&buf) {
        Ok(httparse::Status::Complete(_)) => {}
        other => panic!(
            "unparsable response {other:?}: {}",
            String::from_utf8_lossy(&buf)
        ),
    }
    Wire {
        status: res.code.expect("a status"),
        headers: res
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_ascii_lowercase(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
    }
}

fn route_path(policy: &str) -> String {
    let safe: String = policy
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("/p/{safe}")
}

#[test]
fn vectors_through_axum_over_hyper() {
    let mut app = Router::new();
    for (name, policy) in vectors::load_policies() {
        app = app.route(
            &route_path(&name),
            any(record).layer(CorsLayer::new(policy)),
        );
    }
    let rt = runtime();
    let addr = serve(&rt, app);

    let cases = vectors::load_cases();
    let (replayable, skipped) = support::http_cases(&cases);
    let mut failures = Vec::new();
    rt.block_on(async {
        for c in &replayable {
            let req = c.case.request.as_ref().expect("request cases only");
            let fields: Vec<(&[u8], &[u8])> = req
                .headers
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
                .collect();
            let wire = exchange(addr, &req.method, &route_path(&c.case.policy), &fields).await;
            if let Some(p) = support::check(&c.case.expect, wire.status, &wire.headers) {
                failures.push(format!("{}: {}: {p}", c.case.file, c.case.name));
            }
        }
    });
    eprintln!(
        "replayed {} of {} vector cases through axum over hyper; skipped {skipped:?}",
        replayable.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(replayable.len() >= support::MIN_REPLAYED);
}

const ORIGIN: &str = "https://app.example.com";

/// An application that sets CORS and `Vary` headers of its own and fails
/// in the usual ways.
fn application(policy: &str) -> Router {
    let meddling = || async {
        (
            [
                ("access-control-allow-origin", "*"),
                ("access-control-allow-credentials", "true"),
                ("access-control-expose-headers", "x-secret"),
                ("vary", "Accept-Encoding"),
            ],
            "meddling",
        )
    };
    let failing = || async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") };
    Router::new()
        .route("/meddling", get(meddling))
        .route("/fail", get(failing))
        .layer(CorsLayer::from_toml(policy).expect("valid policy"))
}

#[test]
fn application_responses_get_the_policys_headers_and_only_those() {
    let rt = runtime();
    let addr = serve(
        &rt,
        application(
            r#"origins = ["https://app.example.com"]
               credentials = true
               expose_headers = ["x-request-id"]"#,
        ),
    );
    let origin: (&[u8], &[u8]) = (b"Origin", ORIGIN.as_bytes());
    rt.block_on(async {
        // The application's own CORS headers are replaced by the policy's,
        // its Vary is kept and extended.
        let w = exchange(addr, "GET", "/meddling", &[origin]).await;
        assert_eq!(w.status, 200);
        assert_eq!(w.all("access-control-allow-origin"), [ORIGIN]);
        assert_eq!(w.all("access-control-allow-credentials"), ["true"]);
        assert_eq!(w.all("access-control-expose-headers"), ["x-request-id"]);
        assert_eq!(w.all("vary"), ["Accept-Encoding, Origin"]);

        // A disallowed origin gets none of the application's CORS headers.
        let evil: (&[u8], &[u8]) = (b"Origin", b"https://evil.example");
        let w = exchange(addr, "GET", "/meddling", &[evil]).await;
        assert!(w
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")));
        assert_eq!(w.all("vary"), ["Accept-Encoding, Origin"]);

        // Error responses: the handler's 500, the router's 404 and 405.
        for (method, target, status) in [
            ("GET", "/fail", 500),
            ("GET", "/missing", 404),
            ("POST", "/fail", 405),
        ] {
            let w = exchange(addr, method, target, &[origin]).await;
            assert_eq!(w.status, status, "{method} {target}");
            assert_eq!(
                w.all("access-control-allow-origin"),
                [ORIGIN],
                "{method} {target}"
            );
            assert_eq!(w.all("vary"), ["Origin"], "{method} {target}");
        }
    });
}

#[test]
fn report_only_changes_nothing_over_the_wire() {
    let rt = runtime();
    let addr = serve(
        &rt,
        application(
            r#"origins = ["https://app.example.com"]
               mode = "report-only""#,
        ),
    );
    rt.block_on(async {
        let origin: (&[u8], &[u8]) = (b"Origin", ORIGIN.as_bytes());
        let w = exchange(addr, "GET", "/meddling", &[origin]).await;
        assert_eq!(w.all("access-control-allow-origin"), ["*"]);
        assert_eq!(w.all("access-control-expose-headers"), ["x-secret"]);
        assert_eq!(w.all("vary"), ["Accept-Encoding"]);
        // A preflight reaches the application (here: 405, no CORS headers).
        let acrm: (&[u8], &[u8]) = (b"Access-Control-Request-Method", b"PUT");
        let w = exchange(addr, "OPTIONS", "/fail", &[origin, acrm]).await;
        assert_eq!(w.status, 405);
        assert!(w
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")));
    });
}
