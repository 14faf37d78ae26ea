//! What every decision must satisfy, whatever the input (DESIGN.md
//! Semantics 4, 8, 9; attacks.md C-01, C-06, C-07, O-11, H-01, W-04, P6–P9),
//! and the field-by-field comparison of a decision with the reference's.
//!
//! The checks return their findings instead of panicking, so a property
//! test can report them through its own runner and the conformance runner
//! can gather every mismatch before failing; [`assert_holds`] panics for
//! the fuzz targets.

use corsgate::{names, Decision, Kind, Reason};

use crate::config::Config;
use crate::head::{trim_ows, values, Field};
use crate::origin::naive_admits;
use crate::reference::RefDecision;

/// The only header names the engine may emit.
pub const RESPONSE_NAMES: [&str; 8] = [
    names::ALLOW_ORIGIN,
    names::ALLOW_CREDENTIALS,
    names::ALLOW_METHODS,
    names::ALLOW_HEADERS,
    names::MAX_AGE,
    names::ALLOW_PRIVATE_NETWORK,
    names::EXPOSE_HEADERS,
    names::VARY,
];

/// Whether a header value holds only visible ASCII, SP and HTAB
/// (DESIGN.md Semantics 9).
pub fn is_safe_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (0x20..=0x7e).contains(&b))
}

/// A naive verdict on an origin: whether the policy, read literally,
/// admits it.
pub type Admits<'a> = &'a dyn Fn(&[u8]) -> bool;

/// What is known of the request and the policy behind a decision. Each
/// field left `None` skips the checks that need it.
#[derive(Clone, Copy, Default)]
pub struct Context<'a> {
    /// Every `Origin` value the request carried, as sent. An ACAO needs
    /// exactly one, and must be `*` or that value, trimmed, byte for byte.
    pub origins: Option<&'a [&'a [u8]]>,
    /// Whether the policy is report-only: then the decision changes nothing
    /// in the response; otherwise it always varies on `Origin`.
    pub report_only: Option<bool>,
    /// The naive matcher for the policy (see [`crate::origin::naive_admits`]):
    /// an echoed origin must be one it admits.
    pub admits: Option<Admits<'a>>,
}

/// Every invariant `d` breaks, one line each; empty when it keeps them all.
pub fn problems(d: &Decision<'_>, cx: &Context<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for h in d.headers() {
        if !RESPONSE_NAMES.contains(&h.name) {
            out.push(format!("unexpected header name {:?}", h.name));
        }
        if !is_safe_value(h.value) {
            out.push(format!(
                "unsafe bytes in {}: {:?}",
                h.name,
                String::from_utf8_lossy(h.value)
            ));
        }
    }
    let acao: Vec<&[u8]> = d
        .headers()
        .iter()
        .filter(|h| h.name == names::ALLOW_ORIGIN)
        .map(|h| h.value)
        .collect();
    if acao.len() > 1 {
        out.push(format!("{} ACAO headers", acao.len()));
    }
    if let Some(acac) = d.header(names::ALLOW_CREDENTIALS) {
        if acac != b"true" {
            out.push(format!("ACAC {:?}", String::from_utf8_lossy(acac)));
        }
        match acao.first() {
            None => out.push("ACAC without ACAO".into()),
            Some(&b"*") => out.push("ACAO * with credentials".into()),
            Some(_) => {}
        }
    }
    if let Some(&value) = acao.first() {
        if !d.allowed() {
            out.push("ACAO on a denied decision".into());
        }
        origin_problems(value, cx, &mut out);
    }
    if d.allowed() && d.kind() == Kind::NotCors {
        out.push("an allowed not_cors decision".into());
    }
    if (d.reason() == Reason::Ok) != d.allowed() {
        out.push(format!(
            "reason {} with allowed = {}",
            d.reason().as_str(),
            d.allowed()
        ));
    }
    match cx.report_only {
        Some(true) if !d.headers().is_empty() || d.status() != 0 => {
            out.push("a report-only decision changes the response".into());
        }
        Some(false) => {
            let varies = d
                .header(names::VARY)
                .is_some_and(|v| v.split(|&b| b == b',').any(|t| trim_ows(t) == b"Origin"));
            if !varies {
                out.push("no Vary: Origin".into());
            }
        }
        _ => {}
    }
    serialisation_problems(d, &mut out);
    out
}

/// The ACAO `value` is `*` or the request's single Origin, which the naive
/// matcher admits.
fn origin_problems(value: &[u8], cx: &Context<'_>, out: &mut Vec<String>) {
    let Some(origins) = cx.origins else {
        return;
    };
    let single = match origins {
        [one] => Some(trim_ows(one)),
        _ => None,
    };
    match single {
        None => out.push(format!(
            "ACAO without a single request Origin ({} sent)",
            origins.len()
        )),
        Some(o) if value != b"*" && value != o => out.push(format!(
            "ACAO {:?} is neither * nor the request Origin {:?}",
            String::from_utf8_lossy(value),
            String::from_utf8_lossy(o)
        )),
        Some(_) => {}
    }
    if let (Some(admits), Some(o)) = (cx.admits, single) {
        if !admits(o) {
            out.push(format!(
                "ACAO for an origin the naive matcher refuses: {:?}",
                String::from_utf8_lossy(o)
            ));
        }
    }
}

/// `write_headers` writes exactly `serialized_len` bytes, the headers as
/// `Name: value\r\n` lines in order, and nothing at all into a buffer one
/// byte short (W-04).
fn serialisation_problems(d: &Decision<'_>, out: &mut Vec<String>) {
    let mut text = Vec::new();
    for h in d.headers() {
        text.extend_from_slice(h.name.as_bytes());
        text.extend_from_slice(b": ");
        text.extend_from_slice(h.value);
        text.extend_from_slice(b"\r\n");
    }
    if d.serialized_len() != text.len() {
        out.push(format!(
            "serialized_len {} for {} bytes of headers",
            d.serialized_len(),
            text.len()
        ));
    }
    let mut buf = vec![0xaau8; text.len() + 8];
    match d.write_headers(&mut buf) {
        Ok(n) if buf.get(..n) == Some(&text[..]) => {}
        other => out.push(format!(
            "write_headers gave {other:?} for {} expected bytes",
            text.len()
        )),
    }
    if !text.is_empty() {
        let mut short = vec![0xaau8; text.len() - 1];
        let result = d.write_headers(&mut short);
        if result != Err(text.len()) || short.iter().any(|&b| b != 0xaa) {
            out.push(format!(
                "short buffer: got {result:?}, or bytes were written"
            ));
        }
    }
}

/// Panics with every problem [`problems`] finds in `d`.
pub fn assert_holds(d: &Decision<'_>, cx: &Context<'_>) {
    let found = problems(d, cx);
    assert!(
        found.is_empty(),
        "the decision {d:?} breaks invariants:\n  {}",
        found.join("\n  ")
    );
}

/// [`assert_holds`] with everything known: `d` is the decision of the
/// policy `cfg` on a request with these header `fields` (none for a head
/// that did not scan), so the echo, report-only and naive-matcher checks
/// all run.
pub fn assert_holds_for(d: &Decision<'_>, cfg: &Config, fields: &[Field<'_>]) {
    let origins = values(fields, "origin");
    let admits = |o: &[u8]| naive_admits(&cfg.origins, cfg.allow_null_origin, o);
    let cx = Context {
        origins: Some(&origins),
        report_only: Some(cfg.report_only),
        admits: Some(&admits),
    };
    assert_holds(d, &cx);
}

/// Asserts the engine's decision equals the reference's, field by field.
pub fn assert_same(d: &Decision<'_>, r: &RefDecision, context: &dyn std::fmt::Debug) {
    let got: Vec<(&str, &[u8])> = d.headers().iter().map(|h| (h.name, h.value)).collect();
    let want: Vec<(&str, &[u8])> = r.headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    let show = |hs: &[(&str, &[u8])]| -> Vec<String> {
        hs.iter()
            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
            .collect()
    };
    assert!(
        d.kind() == r.kind
            && d.reason() == r.reason
            && d.allowed() == r.allowed()
            && d.status() == r.status
            && got == want,
        "engine and reference disagree on {context:?}\n engine:    {:?} {:?} {} {:?}\n reference: {:?} {:?} {} {:?}",
        d.kind(),
        d.reason(),
        d.status(),
        show(&got),
        r.kind,
        r.reason,
        r.status,
        show(&want),
    );
}

#[cfg(test)]
mod tests {
    use corsgate::{DecisionSink, Header, Policy};

    use super::*;

    fn forged(
        kind: Kind,
        reason: Reason,
        headers: &[(&'static str, &'static [u8])],
    ) -> Decision<'static> {
        let mut d = Decision::default();
        d.begin(kind, reason);
        for &(name, value) in headers {
            d.push(Header { name, value });
        }
        d
    }

    #[test]
    fn an_engine_decision_keeps_them() {
        let policy = Policy::builder()
            .origin("https://a.example")
            .credentials(true)
            .build()
            .expect("builds");
        let fields: [(&[u8], &[u8]); 1] = [(b"Origin", b" https://a.example ")];
        let d = policy.evaluate(b"GET", &fields);
        assert!(d.allowed());
        let origins = [fields[0].1];
        let admits = |o: &[u8]| o == b"https://a.example";
        let cx = Context {
            origins: Some(&origins),
            report_only: Some(false),
            admits: Some(&admits),
        };
        assert_eq!(problems(&d, &cx), Vec::<String>::new());
    }

    #[test]
    fn forged_decisions_break_them() {
        let star_with_credentials = forged(
            Kind::Actual,
            Reason::Ok,
            &[
                (names::ALLOW_ORIGIN, b"*"),
                (names::ALLOW_CREDENTIALS, b"true"),
                (names::VARY, b"Origin"),
            ],
        );
        let origins: [&[u8]; 1] = [b"https://a.example"];
        let cx = Context {
            origins: Some(&origins),
            report_only: Some(false),
            admits: None,
        };
        assert_eq!(
            problems(&star_with_credentials, &cx),
            ["ACAO * with credentials"]
        );
        let foreign = forged(
            Kind::Actual,
            Reason::OriginNotAllowed,
            &[(names::ALLOW_ORIGIN, b"https://b.example\r\nX: y")],
        );
        let found = problems(&foreign, &cx);
        for want in [
            "unsafe bytes",
            "ACAO on a denied",
            "neither * nor",
            "no Vary",
        ] {
            assert!(found.iter().any(|p| p.contains(want)), "{want}: {found:?}");
        }
        let quiet = forged(Kind::Actual, Reason::Ok, &[(names::VARY, b"Origin")]);
        let report_only = Context {
            report_only: Some(true),
            ..Context::default()
        };
        assert_eq!(problems(&quiet, &report_only).len(), 1);
    }
}
