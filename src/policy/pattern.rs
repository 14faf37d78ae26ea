//! Origin patterns as written in a policy, parsed and validated.
//!
//! The grammar is deliberately tiny: an exact serialized origin, a leading
//! `*.` label wildcard (one or more labels, never the apex), a `:*` port
//! wildcard, a lone `*`, and `null` behind an opt-in. No regex, no other
//! glob: every past CORS bypass through a "clever" pattern is unreachable.

use alloc::format;
use alloc::string::{String, ToString};

use super::error::{BuildError, ErrorKind};
use super::punycode;
use crate::origin::{self, HostKind};

/// The port part of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PortRule {
    /// No port: the scheme's default.
    Default,
    /// Exactly these digits.
    Exact(String),
    /// `:*`: any port, the default included.
    Any,
}

/// A validated origin pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `*`.
    Any,
    /// `null` (opted in).
    Null,
    /// `scheme://[*.]host[:port|:*]`.
    Origin {
        scheme: String,
        /// Without the `*.` prefix.
        host: String,
        host_kind: HostKind,
        subdomains: bool,
        port: PortRule,
    },
}

impl Pattern {
    /// Whether the pattern is a plain origin matched byte for byte.
    pub(crate) fn exact(&self) -> Option<String> {
        match self {
            Pattern::Origin {
                scheme,
                host,
                subdomains: false,
                port,
                ..
            } => match port {
                PortRule::Default => Some(format!("{scheme}://{host}")),
                PortRule::Exact(p) => Some(format!("{scheme}://{host}:{p}")),
                PortRule::Any => None,
            },
            _ => None,
        }
    }
}

fn err(kind: ErrorKind, value: &str, message: String) -> BuildError {
    BuildError::new(kind, value, message)
}

/// Parses one configured origin.
pub(crate) fn parse(s: &str) -> Result<Pattern, BuildError> {
    if s == "*" {
        return Ok(Pattern::Any);
    }
    if s == "null" {
        return Ok(Pattern::Null);
    }
    check_characters(s)?;
    let (scheme, authority) = split_scheme(s)?;
    check_scheme(s, scheme)?;
    check_authority(s, authority)?;
    let (host_part, port_part) = split_port(authority);
    let (subdomains, host) = match host_part.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, host_part),
    };
    if host.contains('*') || port_part.is_some_and(|p| p.contains('*') && p != "*") {
        return Err(misplaced(s));
    }
    let port = port_rule(s, scheme, port_part)?;
    check_lengths(s, scheme, host, subdomains, &port)?;
    let host_kind = check_host(s, scheme, host, subdomains)?;
    Ok(Pattern::Origin {
        scheme: scheme.to_string(),
        host: host.to_string(),
        host_kind,
        subdomains,
        port,
    })
}

/// Only visible ASCII: hosts are written in punycode, and whitespace or
/// control bytes never appear in an origin.
fn check_characters(s: &str) -> Result<(), BuildError> {
    if !s.is_ascii() {
        return Err(err(
            ErrorKind::NonAsciiOrigin,
            s,
            format!("origin {s:?} is not ASCII: write internationalised hosts in their punycode (xn--) form, as browsers send them"),
        ));
    }
    if s.bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(err(
            ErrorKind::InvalidOrigin,
            s,
            format!("origin {s:?} contains whitespace or control characters"),
        ));
    }
    Ok(())
}

/// `scheme://authority`, split at the `://`.
fn split_scheme(s: &str) -> Result<(&str, &str), BuildError> {
    let Some((scheme, authority)) = s.split_once("://") else {
        let kind = if s.contains('*') {
            ErrorKind::MisplacedWildcard
        } else {
            ErrorKind::InvalidOrigin
        };
        return Err(err(
            kind,
            s,
            format!("origin {s:?} is not of the form scheme://host[:port] (e.g. \"https://app.example.com\")"),
        ));
    };
    Ok((scheme, authority))
}

/// A lower-case URL scheme, and not `file` (whose origin is opaque).
fn check_scheme(s: &str, scheme: &str) -> Result<(), BuildError> {
    if scheme.contains('*') {
        return Err(misplaced(s));
    }
    if scheme.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(err(
            ErrorKind::UppercaseOrigin,
            s,
            format!(
                "origin {s:?} has an upper-case scheme; browsers send {:?}",
                scheme.to_ascii_lowercase()
            ),
        ));
    }
    if scheme.is_empty()
        || !scheme.starts_with(|c: char| c.is_ascii_lowercase())
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
    {
        return Err(err(
            ErrorKind::InvalidOrigin,
            s,
            format!("origin {s:?} has an invalid scheme"),
        ));
    }
    if scheme == "file" {
        return Err(err(
            ErrorKind::InvalidOrigin,
            s,
            format!("origin {s:?}: file: pages have an opaque origin and send `Origin: null`, which cannot be trusted"),
        ));
    }
    Ok(())
}

/// No path, query, fragment or userinfo: an origin is only
/// `host[:port]` after the scheme.
fn check_authority(s: &str, authority: &str) -> Result<(), BuildError> {
    if let Some(i) = authority.find(['/', '?', '#']) {
        let what = match authority.as_bytes().get(i) {
            Some(b'?') => "a query",
            Some(b'#') => "a fragment",
            _ => "a path",
        };
        return Err(err(
            ErrorKind::OriginHasPath,
            s,
            format!("origin {s:?} has {what}: an origin is only scheme://host[:port], with no trailing slash"),
        ));
    }
    if authority.contains('@') {
        return Err(err(
            ErrorKind::OriginHasUserinfo,
            s,
            format!(
                "origin {s:?} has userinfo (user@host), which browsers never send in an Origin"
            ),
        ));
    }
    Ok(())
}

/// The port part: absent, `*`, or a port a browser would serialize.
fn port_rule(s: &str, scheme: &str, port_part: Option<&str>) -> Result<PortRule, BuildError> {
    let p = match port_part {
        None => return Ok(PortRule::Default),
        Some("*") => return Ok(PortRule::Any),
        Some(p) => p,
    };
    if !origin::is_port(p.as_bytes()) {
        return Err(err(
            ErrorKind::InvalidPort,
            s,
            format!("origin {s:?} has port {p:?}; a port is 1-65535 written without leading zeros"),
        ));
    }
    if origin::default_port(scheme.as_bytes()) == Some(p.as_bytes()) {
        return Err(err(
            ErrorKind::DefaultPort,
            s,
            format!(
                "origin {s:?} spells out the default port {p}; browsers omit it, so write {:?}",
                without_port(s)
            ),
        ));
    }
    Ok(PortRule::Exact(p.to_string()))
}

/// What a request can carry bounds what a pattern may admit: an origin
/// over the request-side caps is `invalid_origin` before any matching, so
/// an entry whose every match is over them could never match and is
/// refused. The shortest match of `*.host` is `x.host`; of a `:*` port,
/// no port at all.
fn check_lengths(
    s: &str,
    scheme: &str,
    host: &str,
    subdomains: bool,
    port: &PortRule,
) -> Result<(), BuildError> {
    let too_long = |what: String| {
        err(
            ErrorKind::OriginTooLong,
            s,
            format!("origin {s:?} can never match: {what}, and browsers never send such an origin"),
        )
    };
    if scheme.len() > origin::MAX_SCHEME_BYTES {
        return Err(too_long(format!(
            "its scheme is {} bytes, over the {}-byte cap on request origins' schemes",
            scheme.len(),
            origin::MAX_SCHEME_BYTES
        )));
    }
    if let Some(label) = host.split('.').find(|l| l.len() > origin::MAX_LABEL_BYTES) {
        return Err(too_long(format!(
            "its host has a {}-byte label, over the DNS limit of {} bytes per label",
            label.len(),
            origin::MAX_LABEL_BYTES
        )));
    }
    let wildcard = if subdomains { "x.".len() } else { 0 };
    let shortest_host = wildcard + host.len();
    if shortest_host > origin::MAX_HOST_BYTES {
        let what = if subdomains {
            "the shortest host its `*.` matches is"
        } else {
            "its host is"
        };
        return Err(too_long(format!(
            "{what} {shortest_host} bytes, over the DNS limit of {} bytes",
            origin::MAX_HOST_BYTES
        )));
    }
    let port_len = match port {
        PortRule::Exact(p) => ":".len() + p.len(),
        PortRule::Default | PortRule::Any => 0,
    };
    let shortest = scheme.len() + "://".len() + shortest_host + port_len;
    if shortest > origin::MAX_ORIGIN_BYTES {
        return Err(too_long(format!(
            "its shortest match is {shortest} bytes, over the {}-byte cap on request origins",
            origin::MAX_ORIGIN_BYTES
        )));
    }
    Ok(())
}

/// The host (without any `*.`), validated by the same rules as request
/// origins, plus valid punycode; `*.` only over a domain.
fn check_host(s: &str, scheme: &str, host: &str, subdomains: bool) -> Result<HostKind, BuildError> {
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(err(
            ErrorKind::UppercaseOrigin,
            s,
            format!(
                "origin {s:?} has upper-case letters in its host; browsers send it lower-cased"
            ),
        ));
    }
    let probe = format!("{scheme}://{host}");
    let Some(parsed) = origin::parse(probe.as_bytes()) else {
        return Err(err(
            ErrorKind::InvalidOrigin,
            s,
            format!("origin {s:?} does not have a valid host"),
        ));
    };
    if subdomains && parsed.host_kind != HostKind::Domain {
        return Err(err(
            ErrorKind::MisplacedWildcard,
            s,
            format!("origin {s:?}: `*.` only applies to domain names, not IP addresses"),
        ));
    }
    if parsed.host_kind == HostKind::Domain {
        for label in host.split('.') {
            let bad = label
                .strip_prefix("xn--")
                .is_some_and(|puny| !punycode::is_valid_punycode(puny));
            if bad {
                return Err(err(
                    ErrorKind::InvalidPunycode,
                    s,
                    format!("origin {s:?}: label {label:?} is not valid punycode"),
                ));
            }
        }
    }
    Ok(parsed.host_kind)
}

fn misplaced(s: &str) -> BuildError {
    err(
        ErrorKind::MisplacedWildcard,
        s,
        format!(
            "origin {s:?} uses `*` where it is not allowed: the only wildcards are a leading `*.` label \
             (https://*.example.com), a `:*` port (http://localhost:*) and a lone `*`"
        ),
    )
}

/// Splits `host[:port]`, keeping IPv6 brackets with the host.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    let search_from = if authority.starts_with('[') {
        authority.find(']').unwrap_or(authority.len())
    } else {
        0
    };
    match authority.get(search_from..).and_then(|t| t.find(':')) {
        Some(i) => {
            let at = search_from + i;
            (authority.get(..at).unwrap_or(""), authority.get(at + 1..))
        }
        None => (authority, None),
    }
}

fn without_port(s: &str) -> &str {
    s.rfind(':').and_then(|i| s.get(..i)).unwrap_or(s)
}

/// Whether origins of this pattern travel in clear text to a non-loopback
/// host: such origins can be spoofed by anyone on the network path.
pub(crate) fn is_insecure(scheme: &str, host: &str, host_kind: HostKind) -> bool {
    let clear_text = matches!(scheme, "http" | "ws" | "ftp");
    let loopback = match host_kind {
        HostKind::Ipv4 => host.starts_with("127."),
        HostKind::Ipv6 => host == "[::1]",
        HostKind::Domain => {
            let h = host.strip_suffix('.').unwrap_or(host);
            h == "localhost" || h.ends_with(".localhost")
        }
    };
    clear_text && !loopback
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    fn kind(s: &str) -> Option<ErrorKind> {
        parse(s).err().map(|e| e.kind())
    }

    #[test]
    fn accepted_patterns() {
        for s in [
            "*",
            "null",
            "https://app.example.com",
            "https://*.example.com",
            "http://localhost:*",
            "https://*.example.com:*",
            "https://example.com:8443",
            "http://127.0.0.1:8080",
            "http://[::1]:9090",
            "https://xn--bcher-kva.example",
            "chrome-extension://abcdef",
        ] {
            assert!(parse(s).is_ok(), "{s}: {:?}", parse(s));
        }
    }

    #[test]
    fn refused_patterns() {
        use ErrorKind::*;
        for (s, k) in [
            ("h*", MisplacedWildcard),
            ("https://*", MisplacedWildcard),
            ("https://example.*", MisplacedWildcard),
            ("https://example.com*", MisplacedWildcard),
            ("https://*example.com", MisplacedWildcard),
            ("https://foo.*.example.com", MisplacedWildcard),
            ("https://**.example.com", MisplacedWildcard),
            ("https://example.com/*", OriginHasPath),
            ("*://example.com", MisplacedWildcard),
            ("https://*.127.0.0.1", MisplacedWildcard),
            ("https://example.com:8*", MisplacedWildcard),
            ("https://example.com/", OriginHasPath),
            ("https://example.com?q", OriginHasPath),
            ("https://example.com#f", OriginHasPath),
            ("https://user@example.com", OriginHasUserinfo),
            ("https://example.com:443", DefaultPort),
            ("http://example.com:80", DefaultPort),
            ("https://example.com:0", InvalidPort),
            ("https://example.com:99999", InvalidPort),
            ("https://Example.com", UppercaseOrigin),
            ("HTTPS://example.com", UppercaseOrigin),
            ("https://bücher.example", NonAsciiOrigin),
            ("https://xn--f", InvalidPunycode),
            ("example.com", InvalidOrigin),
            ("https://exa mple.com", InvalidOrigin),
            ("https://", InvalidOrigin),
            ("file://", InvalidOrigin),
            ("http://127.1", InvalidOrigin),
            ("http://[0:0:0:0:0:0:0:1]", InvalidOrigin),
        ] {
            assert_eq!(kind(s), Some(k), "{s}");
        }
    }

    #[test]
    fn insecure_classification() {
        assert!(is_insecure("http", "example.com", HostKind::Domain));
        assert!(!is_insecure("https", "example.com", HostKind::Domain));
        assert!(!is_insecure("http", "localhost", HostKind::Domain));
        assert!(!is_insecure("http", "app.localhost", HostKind::Domain));
        assert!(!is_insecure("http", "127.0.0.1", HostKind::Ipv4));
        assert!(!is_insecure("http", "[::1]", HostKind::Ipv6));
        assert!(is_insecure("http", "10.0.0.1", HostKind::Ipv4));
    }
}
