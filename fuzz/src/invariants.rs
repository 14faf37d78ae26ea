//! What every decision must satisfy, whatever the input (semantics.md
//! "Output safety", attacks.md C-01, C-06, C-07, O-11, H-01), and the
//! comparison of a decision with the reference's.

use corsgate::{names, Decision, Kind, Reason};

use crate::reference::RefDecision;

const RESPONSE_NAMES: [&str; 8] = [
    names::ALLOW_ORIGIN,
    names::ALLOW_CREDENTIALS,
    names::ALLOW_METHODS,
    names::ALLOW_HEADERS,
    names::MAX_AGE,
    names::ALLOW_PRIVATE_NETWORK,
    names::EXPOSE_HEADERS,
    names::VARY,
];

/// Checks the output-safety invariants of `d`.
///
/// `origin` is the request's single `Origin` value (OWS-trimmed) if it had
/// exactly one; `naive_allows` is the reference matcher for the policy.
pub fn check_output(d: &Decision<'_>, origin: Option<&[u8]>, naive_allows: impl Fn(&[u8]) -> bool) {
    for h in d.headers() {
        assert!(
            RESPONSE_NAMES.contains(&h.name),
            "unexpected header name {:?}",
            h.name
        );
        assert!(
            h.value
                .iter()
                .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)),
            "unsafe byte in {}: {:?}",
            h.name,
            h.value
        );
    }
    let acao: Vec<&[u8]> = d
        .headers()
        .iter()
        .filter(|h| h.name == names::ALLOW_ORIGIN)
        .map(|h| h.value)
        .collect();
    assert!(acao.len() <= 1, "{} ACAO headers", acao.len());
    let acac = d.header(names::ALLOW_CREDENTIALS);
    if let Some(v) = acac {
        assert_eq!(v, b"true", "ACAC value");
        assert!(!acao.is_empty(), "ACAC without ACAO");
    }
    if let Some(&a) = acao.first() {
        assert!(d.allowed(), "ACAO on a denied decision");
        let o = origin.expect("ACAO without a single request Origin");
        assert!(
            a == b"*" || a == o,
            "ACAO {a:?} is neither * nor the request origin {o:?}"
        );
        assert!(!(a == b"*" && acac.is_some()), "ACAO * with credentials");
        assert!(
            naive_allows(o),
            "ACAO for an origin the naive matcher refuses: {o:?}"
        );
    }
    if d.allowed() {
        assert_ne!(d.kind(), Kind::NotCors, "an allowed not_cors decision");
    }
    if d.reason() == Reason::Ok {
        assert!(d.allowed());
    }
    check_serialisation(d);
}

/// `write_headers` writes exactly `serialized_len` bytes of well-formed
/// `Name: value\r\n` lines, and nothing at all into a short buffer.
fn check_serialisation(d: &Decision<'_>) {
    let need = d.serialized_len();
    let mut buf = vec![0xAAu8; need + 8];
    if need > 0 {
        let short = &mut buf[..need - 1];
        assert_eq!(d.write_headers(short), Err(need));
        assert!(
            short.iter().all(|&b| b == 0xAA),
            "a short buffer was written to"
        );
    }
    assert_eq!(d.write_headers(&mut buf), Ok(need));
    let text = &buf[..need];
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    assert_eq!(lines.len(), d.headers().len() + 1, "serialised line count");
    for (line, h) in lines.iter().zip(d.headers()) {
        let line = line.strip_suffix(b"\r").expect("CRLF line end");
        assert!(!line.contains(&b'\r'), "bare CR in output");
        let expected = [h.name.as_bytes(), b": ", h.value].concat();
        assert_eq!(line, &expected[..]);
    }
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

/// The request's single `Origin` value, trimmed, when it has exactly one.
pub fn single_origin<'a>(fields: &[(&'a [u8], &'a [u8])]) -> Option<&'a [u8]> {
    let mut it = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"origin"));
    match (it.next(), it.next()) {
        (Some((_, v)), None) => {
            let start = v
                .iter()
                .position(|&b| b != b' ' && b != b'\t')
                .unwrap_or(v.len());
            let end = v
                .iter()
                .rposition(|&b| b != b' ' && b != b'\t')
                .map_or(start, |i| i + 1);
            Some(&v[start..end])
        }
        _ => None,
    }
}
