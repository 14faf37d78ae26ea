//! The benchmark corpus: request heads, policies and named scenarios.
//!
//! Shared by the criterion bench (`benches/cors.rs`) and the instruction
//! count driver (`benches/icount.rs`), so both measure exactly the same
//! inputs. The browser heads are the captures of `examples/*.http` (CRLF
//! line ends, real header order, read through `corsgate_oracle::fixtures`),
//! with single values rewritten per scenario; the adversarial heads are
//! generated deterministically.

use corsgate::Policy;
use corsgate_oracle::fixtures::{CHROME_GET, CHROME_PREFLIGHT, FIREFOX_GET_COOKIES};
use corsgate_oracle::head::{self, with_value, without};

/// The allowed origin of every single-origin scenario.
pub const APP_ORIGIN: &str = "https://app.example.com";

/// A request as a host with parsed headers holds it: method, header pairs.
pub type HeaderList<'h> = (&'h [u8], Vec<(&'h [u8], &'h [u8])>);

/// Which compiled policy a scenario runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyId {
    /// One exact origin, credentials, three listed request headers.
    Single,
    /// 1,000 exact origins of varied length, otherwise as `Single`.
    Exact1000,
    /// `Exact1000` plus 100 `https://*.tenantN.example.org` patterns.
    Exact1000Patterns100,
    /// One exact origin, credentials, `request_headers = ["*"]`: every
    /// valid list must be echoed back.
    Echo,
}

/// The `i`-th origin of the 1,000-origin policies (`0..1000`); `1000` is
/// the first one that is not listed.
pub fn many_origin(i: usize) -> String {
    format!("https://app{i}.customer{i}.example.net")
}

fn base_builder() -> corsgate::PolicyBuilder {
    Policy::builder()
        .methods(["GET", "POST", "PUT", "DELETE"])
        .request_headers(["authorization", "content-type", "x-request-id"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(600)
}

/// Compiles one of the corpus policies.
pub fn policy(id: PolicyId) -> Policy {
    let b = match id {
        PolicyId::Single => base_builder().origin(APP_ORIGIN),
        PolicyId::Exact1000 => base_builder().origins((0..1000).map(many_origin)),
        PolicyId::Exact1000Patterns100 => base_builder()
            .origins((0..1000).map(many_origin))
            .origins((0..100).map(|i| format!("https://*.tenant{i}.example.org"))),
        PolicyId::Echo => base_builder().origin(APP_ORIGIN).request_headers(["*"]),
    };
    match b.build() {
        Ok(p) => p,
        Err(e) => panic!("corpus policy {id:?} does not build: {e:?}"),
    }
}

/// One named input: a raw head, the policy it is judged against, and what
/// the engine must answer (checked before anything is timed, so a bench can
/// never silently measure the wrong path).
pub struct Scenario {
    /// `group/variant`, as it appears in reports.
    pub name: String,
    pub policy: PolicyId,
    pub head: Vec<u8>,
    /// The expected decision from the raw head, as `kind/reason`.
    pub expect: &'static str,
    /// The expected decision from the header list. It differs only where
    /// the head is over the 64 KiB cap: a header list has no head to bound,
    /// so its ACRH reaches the list checks.
    pub expect_list: &'static str,
}

impl Scenario {
    fn new(name: impl Into<String>, policy: PolicyId, head: String, expect: &'static str) -> Self {
        Scenario {
            name: name.into(),
            policy,
            head: head.into_bytes(),
            expect,
            expect_list: expect,
        }
    }

    fn list_expects(mut self, expect: &'static str) -> Self {
        self.expect_list = expect;
        self
    }

    /// The method and header list a host with parsed headers would hold.
    pub fn header_list(&self) -> HeaderList<'_> {
        split_head(&self.head)
    }
}

/// Splits a head into its method and `(name, value)` pairs, values without
/// the leading space, as HTTP/2 hosts and httparse give them. Heads past
/// the engine's size cap are split all the same: the header-list entry
/// point has no head to bound.
pub fn split_head(head: &[u8]) -> HeaderList<'_> {
    let (method, fields) = head::split(head).expect("corpus heads are terminated");
    let fields = fields
        .into_iter()
        .map(|(name, value)| (name, value.strip_prefix(b" ").unwrap_or(value)))
        .collect();
    (method, fields)
}

/// `head` with the value of its `name` line replaced.
fn set(head: &str, name: &str, value: &str) -> String {
    with_value(head, name, value).unwrap_or_else(|| panic!("the fixture has no {name} line"))
}

/// The Chrome preflight with another Origin and ACRH value. The method is
/// `POST`, safelisted, so the measured path is the header check, not the
/// method list (the capture asks for `PUT`).
pub fn chrome_preflight(origin: &str, acrh: &str) -> String {
    let head = set(CHROME_PREFLIGHT, "Origin", origin);
    let head = set(&head, "Access-Control-Request-Method", "POST");
    set(&head, "Access-Control-Request-Headers", acrh)
}

/// The Firefox GET with its Cookie value filled to 2 KiB.
fn firefox_get_with_cookies() -> String {
    let mut cookie = String::new();
    let mut i = 0;
    while cookie.len() < 2048 {
        cookie.push_str(&format!(
            "c{i:03}=v{:032x}; ",
            (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ));
        i += 1;
    }
    cookie.truncate(2048);
    set(
        FIREFOX_GET_COOKIES,
        "Cookie",
        cookie.trim_end_matches([';', ' ']),
    )
}

/// The Chrome GET from another origin, or with no Origin line at all.
fn chrome_get(origin: Option<&str>) -> String {
    match origin {
        Some(o) => set(CHROME_GET, "Origin", o),
        None => without(CHROME_GET, "Origin").expect("the fixture has an Origin line"),
    }
}

/// A GET padded with `X-Filler-NNNN` lines up to the engine's 64 KiB head
/// cap, the Origin line last.
pub fn padded_head() -> String {
    let mut head = String::from("GET /api/v1/items HTTP/1.1\r\nHost: api.example.com\r\n");
    let tail = format!("Origin: {APP_ORIGIN}\r\n\r\n");
    let mut i = 0;
    loop {
        let line = format!("X-Filler-{i:04}: 0123456789abcdef0123\r\n");
        if head.len() + line.len() + tail.len() > corsgate::MAX_HEAD_BYTES {
            break;
        }
        head.push_str(&line);
        i += 1;
    }
    head.push_str(&tail);
    head
}

/// The adversarial `Access-Control-Request-Headers` shapes. Each is a
/// complete Chrome preflight from the allowed origin.
fn acrh_variants() -> Vec<(&'static str, String)> {
    let repeat = vec!["content-type"; 10_000].join(",");
    let distinct = (0..10_000)
        .map(|i| format!("x-h{i:05}"))
        .collect::<Vec<_>>()
        .join(",");
    let commas = ",".repeat(1024);
    let ows = format!("{}content-type", " ".repeat(64 * 1024));
    let mut empty_lines = chrome_preflight(APP_ORIGIN, "content-type");
    let at = empty_lines.find("Origin:").unwrap_or(0);
    empty_lines.insert_str(at, &"Access-Control-Request-Headers: \r\n".repeat(1024));
    vec![
        ("repeat", chrome_preflight(APP_ORIGIN, &repeat)),
        ("distinct", chrome_preflight(APP_ORIGIN, &distinct)),
        ("commas", chrome_preflight(APP_ORIGIN, &commas)),
        ("ows", chrome_preflight(APP_ORIGIN, &ows)),
        ("empty-lines", empty_lines),
    ]
}

/// Every named scenario, in report order.
pub fn scenarios() -> Vec<Scenario> {
    use PolicyId::*;
    let preflight = |o: &str| chrome_preflight(o, "authorization,content-type,x-request-id");
    let mut v = vec![
        Scenario::new(
            "preflight/chrome",
            Single,
            preflight(APP_ORIGIN),
            "preflight/ok",
        ),
        Scenario::new(
            "actual/firefox-cookies",
            Single,
            firefox_get_with_cookies(),
            "actual/ok",
        ),
        Scenario::new(
            "actual/denied",
            Single,
            chrome_get(Some("https://evil.example.org")),
            "actual/origin_not_allowed",
        ),
        Scenario::new("no-origin", Single, chrome_get(None), "not_cors/no_origin"),
        Scenario::new("origins/1", Single, preflight(APP_ORIGIN), "preflight/ok"),
    ];
    for (policy, group) in [
        (Exact1000, "origins/1000"),
        (Exact1000Patterns100, "origins/1000+100-patterns"),
    ] {
        v.push(Scenario::new(
            format!("{group}/first"),
            policy,
            preflight(&many_origin(0)),
            "preflight/ok",
        ));
        v.push(Scenario::new(
            format!("{group}/last"),
            policy,
            preflight(&many_origin(999)),
            "preflight/ok",
        ));
        v.push(Scenario::new(
            format!("{group}/missing"),
            policy,
            preflight(&many_origin(1000)),
            "preflight/origin_not_allowed",
        ));
    }
    v.push(Scenario::new(
        "origins/1000+100-patterns/wildcard",
        Exact1000Patterns100,
        preflight("https://eu.shop.tenant99.example.org"),
        "preflight/ok",
    ));
    v.push(Scenario::new(
        "adversarial/64k-head",
        Single,
        padded_head(),
        "actual/ok",
    ));
    for (policy, tag) in [(Single, "listed"), (Echo, "echo")] {
        for (variant, head) in acrh_variants() {
            // Heads past 64 KiB are refused unread beyond the cap; from a
            // header list every variant is over MAX_ACRH_BYTES (whitespace
            // padding counts) and refused before its bytes are read.
            let expect = if head.len() > corsgate::MAX_HEAD_BYTES {
                "not_cors/request_too_large"
            } else {
                "preflight/header_not_allowed"
            };
            let expect_list = "preflight/header_not_allowed";
            let name = format!("adversarial/acrh-10k/{tag}/{variant}");
            v.push(Scenario::new(name, policy, head, expect).list_expects(expect_list));
        }
    }
    let host253 = (0..4).map(|_| "a".repeat(62)).collect::<Vec<_>>().join(".");
    v.push(Scenario::new(
        "adversarial/long-origin/253-host",
        Exact1000Patterns100,
        preflight(&format!(
            "https://{}.tenant7.example.org",
            &host253[..253 - 20]
        )),
        "preflight/ok",
    ));
    let huge = format!("https://{}.example.com", "a".repeat(60 * 1024));
    v.push(Scenario::new(
        "adversarial/long-origin/60k",
        Single,
        preflight(&huge),
        "preflight/invalid_origin",
    ));
    v
}

/// `kind/reason` of a decision, for the corpus self-check.
pub fn outcome(d: &corsgate::Decision<'_>) -> String {
    format!("{}/{}", d.kind().as_str(), d.reason().as_str())
}
