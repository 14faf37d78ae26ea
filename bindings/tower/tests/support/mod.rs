//! What the vector replays share: which cases an `http::Request` can carry,
//! the inner service, and how a response is compared with a case.

#![allow(dead_code)] // each test binary uses its own part

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};

use corsgate_oracle::vectors::{self, Case, Expect};
use corsgate_tower::CorsDecision;
use http::{HeaderName, HeaderValue, Method, Request, Response};
use tower::Service;

/// Fewer replayed cases than this means the selection broke, not that the
/// layer passed (tests/vectors/README.md: the core runner needs ≥ 200).
pub const MIN_REPLAYED: usize = 180;

/// The header the inner service answers with, naming the decision it found
/// in the request's extensions (as the hosts' `X-Cors` log variables do).
pub const X_CORS: &str = "x-cors";
/// Set by the inner service, so a response it did not make shows.
pub const X_INNER: &str = "x-inner";

/// A case as an `http` request: method and header list.
pub struct HttpCase<'c> {
    pub case: &'c Case,
    pub method: Method,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// The request cases `http` types can carry, and why the others cannot.
pub fn http_cases(cases: &[Case]) -> (Vec<HttpCase<'_>>, BTreeMap<&'static str, usize>) {
    let mut out = Vec::new();
    let mut skipped = BTreeMap::new();
    for case in cases {
        let why = match http_case(case) {
            Ok(c) => {
                out.push(c);
                continue;
            }
            Err(why) => why,
        };
        *skipped.entry(why).or_insert(0) += 1;
    }
    (out, skipped)
}

fn http_case(case: &Case) -> Result<HttpCase<'_>, &'static str> {
    let Some(req) = &case.request else {
        return Err("raw head (corsgate's scanner, not http's types)");
    };
    if case
        .forms
        .as_ref()
        .is_some_and(|f| !f.contains(&vectors::Form::View))
    {
        return Err("not a view-form case");
    }
    let method =
        Method::from_bytes(req.method.as_bytes()).map_err(|_| "method is not an http::Method")?;
    let mut headers = Vec::new();
    for (name, value) in &req.headers {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| "not an http::HeaderName")?;
        let value = HeaderValue::from_bytes(value.as_bytes())
            .map_err(|_| "value holds bytes http::HeaderValue refuses (CR, LF, NUL, controls)")?;
        headers.push((name, value));
    }
    Ok(HttpCase {
        case,
        method,
        headers,
    })
}

impl HttpCase<'_> {
    pub fn request(&self) -> Request<String> {
        let mut req = Request::builder().method(self.method.clone()).uri("/");
        for (n, v) in &self.headers {
            req = req.header(n, v);
        }
        req.body(String::new()).expect("valid parts")
    }
}

/// The `x-cors` value a case expects: `kind verdict reason`.
pub fn expected_decision(e: &Expect) -> String {
    let verdict = match (e.kind.as_str(), e.allowed) {
        ("not_cors", _) => "not_cors",
        (_, true) => "allowed",
        (_, false) => "denied",
    };
    format!("{} {verdict} {}", e.kind, e.reason)
}

/// How a decision reads in `x-cors`.
pub fn decision_text(d: &CorsDecision) -> String {
    let verdict = match (d.kind(), d.allowed()) {
        (corsgate::Kind::NotCors, _) => "not_cors",
        (_, true) => "allowed",
        (_, false) => "denied",
    };
    format!("{} {verdict} {}", d.kind(), d.reason())
}

/// The inner service: 200, `x-inner: 1`, and the decision it was handed.
#[derive(Clone, Copy, Debug)]
pub struct Inner;

impl<B> Service<Request<B>> for Inner {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let seen = req
            .extensions()
            .get::<CorsDecision>()
            .map_or_else(|| "none".to_owned(), decision_text);
        let res = Response::builder()
            .header(X_INNER, "1")
            .header(X_CORS, seen)
            .body("inner".to_owned())
            .expect("valid parts");
        ready(Ok(res))
    }
}

/// What is wrong with a response (status, CORS headers in order, the
/// decision the inner service saw), or `None`.
pub fn check(expect: &Expect, status: u16, headers: &[(String, String)]) -> Option<String> {
    let mut problems = Vec::new();
    let answered = expect.status != 0;
    let want_status = if answered { expect.status } else { 200 };
    if status != want_status {
        problems.push(format!("status {status}, expected {want_status}"));
    }
    let cors: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| n.starts_with("access-control-") || n == "vary")
        .cloned()
        .collect();
    let want: Vec<(String, String)> = expect
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    if cors != want {
        problems.push(format!("headers {cors:?}, expected {want:?}"));
    }
    let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    if answered {
        if find(X_INNER).is_some() {
            problems.push("the inner service answered a preflight the layer should".into());
        }
    } else {
        match find(X_CORS) {
            Some(seen) if *seen == expected_decision(expect) => {}
            seen => problems.push(format!(
                "inner service saw {seen:?}, expected {:?}",
                expected_decision(expect)
            )),
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}
