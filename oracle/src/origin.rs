//! A naive serialized-origin validator and pattern matcher, written from
//! `docs/semantics.md` ("Origins") with string operations only: no tables,
//! no suffix indexes, nothing shared with the engine.
//!
//! The policy compiler's canary probe has a matcher of its own
//! (`src/policy/compile.rs`), kept apart on purpose: it ships in the
//! engine, this one only in tests.

use std::net::Ipv6Addr;

/// An origin split into its parts; the port is `None` when absent.
#[derive(Debug, PartialEq, Eq)]
pub struct Parts<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: Option<&'a str>,
}

/// Splits `scheme://host[:port]`, keeping IPv6 brackets with the host.
pub fn split(s: &str) -> Option<Parts<'_>> {
    let (scheme, rest) = s.split_once("://")?;
    let (host, port) = if rest.starts_with('[') {
        let close = rest.find(']')?;
        let (host, after) = rest.split_at(close + 1);
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    Some(Parts { scheme, host, port })
}

fn default_port(scheme: &str) -> Option<&'static str> {
    match scheme {
        "http" | "ws" => Some("80"),
        "https" | "wss" => Some("443"),
        "ftp" => Some("21"),
        _ => None,
    }
}

fn scheme_ok(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

fn port_ok(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 5
        && !p.starts_with('0')
        && p.chars().all(|c| c.is_ascii_digit())
        && p.parse::<u32>().is_ok_and(|v| (1..=65535).contains(&v))
}

/// RFC 5952: lower-case hex, no leading zeros, the first longest run of two
/// or more zero groups written `::`.
fn ipv6_canonical(a: &Ipv6Addr) -> String {
    let g = a.segments();
    let (mut best, mut best_len) = (None, 1);
    let mut i = 0;
    while i < 8 {
        let run = g[i..].iter().take_while(|&&x| x == 0).count();
        if run > best_len {
            best = Some(i);
            best_len = run;
        }
        i += run.max(1);
    }
    let hex = |r: &[u16]| {
        r.iter()
            .map(|x| format!("{x:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    match best {
        Some(at) => format!("{}::{}", hex(&g[..at]), hex(&g[at + best_len..])),
        None => hex(&g),
    }
}

fn ipv6_ok(host: &str) -> bool {
    let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) else {
        return false;
    };
    !inner.contains('.')
        && inner
            .parse::<Ipv6Addr>()
            .is_ok_and(|a| ipv6_canonical(&a) == inner)
}

fn dotted_quad_ok(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && (p.len() == 1 || !p.starts_with('0'))
                && p.chars().all(|c| c.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|v| v <= 255)
        })
}

fn host_ok(host: &str) -> bool {
    if host.starts_with('[') {
        return ipv6_ok(host);
    }
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    let body = host.strip_suffix('.').unwrap_or(host);
    // A numeric last label makes the host an IPv4 address to a browser
    // (WHATWG URL), which it serializes as a dotted quad.
    let last = body.rsplit('.').next().unwrap_or(body);
    let numeric = !last.is_empty()
        && (last.chars().all(|c| c.is_ascii_digit())
            || last.starts_with("0x")
            || last.starts_with("0X"));
    if numeric {
        return dotted_quad_ok(host);
    }
    !body.is_empty()
        && body.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

/// Whether `o` is a serialized origin a browser could send (not `null`).
pub fn origin_ok(o: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(o) else {
        return false;
    };
    if s.len() > 326 || !s.is_ascii() {
        return false;
    }
    let Some(p) = split(s) else {
        return false;
    };
    scheme_ok(p.scheme)
        && host_ok(p.host)
        && p.port
            .is_none_or(|port| port_ok(port) && default_port(p.scheme) != Some(port))
}

/// Whether the configured pattern `pat` (already accepted by the engine)
/// admits the request origin `o`. `o` must be `null` or pass [`origin_ok`].
pub fn pattern_allows(pat: &str, o: &[u8]) -> bool {
    let Ok(o) = std::str::from_utf8(o) else {
        return false;
    };
    match pat {
        "*" => true,
        "null" => o == "null",
        _ if o == "null" => false,
        _ => {
            let (Some(p), Some(r)) = (split(pat), split(o)) else {
                return false;
            };
            let host = match p.host.strip_prefix("*.") {
                Some(suffix) => r
                    .host
                    .strip_suffix(suffix)
                    .and_then(|front| front.strip_suffix('.'))
                    .is_some_and(|labels| !labels.is_empty()),
                None => p.host == r.host,
            };
            let port = match p.port {
                Some("*") => true,
                want => want == r.port,
            };
            p.scheme == r.scheme && host && port
        }
    }
}

/// Whether a policy with these configured `origins` (and the null opt-in)
/// may answer `o` with an `Access-Control-Allow-Origin` at all.
pub fn naive_admits(origins: &[String], allow_null: bool, o: &[u8]) -> bool {
    if o == b"null" {
        origins
            .iter()
            .any(|p| p == "*" || (allow_null && p == "null"))
    } else {
        origin_ok(o) && origins.iter().any(|p| p != "null" && pattern_allows(p, o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matcher itself, on the attacks it must tell apart (attacks.md
    /// O-02 … O-18; GHSA-vhxv-fg4m-p2w8's `barfoo.com` against `foo.com`).
    #[test]
    fn tells_the_attacks_apart() {
        let allows = |p: &str, o: &str| pattern_allows(p, o.as_bytes());
        assert!(allows("https://foo.com", "https://foo.com"));
        assert!(!allows("https://foo.com", "https://barfoo.com"));
        assert!(allows("https://*.foo.com", "https://a.b.foo.com"));
        assert!(!allows("https://*.foo.com", "https://foo.com"));
        assert!(!allows("https://*.foo.com", "https://barfoo.com"));
        assert!(!allows("https://*.foo.com", "https://a.foo.com:8080"));
        assert!(allows("https://*.foo.com:*", "https://a.foo.com:8080"));
        assert!(allows("http://localhost:*", "http://localhost"));
        assert!(allows("http://localhost:*", "http://localhost:1"));
        assert!(!allows("http://localhost:*", "http://localhost.evil.com"));
        assert!(!allows("https://foo.com", "http://foo.com"));
        assert!(allows("https://[2001:db8::1]", "https://[2001:db8::1]"));
    }

    #[test]
    fn validates_serialized_origins() {
        let verdicts = [
            ("https://a.example", true),
            ("http://localhost:3000", true),
            ("https://[::1]:8443", true),
            ("https://A.example", false),
            ("https://a.example:443", false),
            ("https://a.example/", false),
            ("https://[0:0:0:0:0:0:0:1]", false),
            ("https://1.2.3", false),
            ("null", false),
            ("", false),
        ];
        for (origin, valid) in verdicts {
            assert_eq!(origin_ok(origin.as_bytes()), valid, "{origin:?}");
        }
        let origins = ["null".to_string(), "https://a.example".to_string()];
        assert!(!naive_admits(&origins, false, b"null"));
        assert!(naive_admits(&origins, true, b"null"));
        assert!(naive_admits(&origins, false, b"https://a.example"));
    }
}
