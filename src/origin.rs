//! Serialized origins (RFC 6454 §6.2, WHATWG URL "ASCII serialization of an
//! origin"): the only form a browser ever puts in an `Origin` field.
//!
//! The parser accepts exactly what a browser can produce, so that comparison
//! against the configured origins can be byte-exact: lower-case scheme and
//! host, ASCII (punycode) domains, dotted-quad IPv4, RFC 5952 compressed IPv6
//! in brackets, and a port only when it is not the scheme's default.

/// Longest `Origin` value the engine looks at: a 64-byte scheme, `://`, a
/// 253-byte host and `:65535`. Longer values are `invalid_origin` before any
/// matching work.
pub const MAX_ORIGIN_BYTES: usize = 326;
/// Longest scheme accepted in an origin.
pub const MAX_SCHEME_BYTES: usize = 64;
/// Longest host accepted in an origin (the DNS limit).
pub const MAX_HOST_BYTES: usize = 253;
pub(crate) const MAX_LABEL_BYTES: usize = 63;

/// The host part of a parsed origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostKind {
    Domain,
    Ipv4,
    Ipv6,
}

/// A syntactically valid serialized origin, borrowed from its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Origin<'a> {
    pub scheme: &'a [u8],
    /// For IPv6 the brackets are included, as in the serialization.
    pub host: &'a [u8],
    pub host_kind: HostKind,
    /// The port digits, when the origin has an explicit port.
    pub port: Option<&'a [u8]>,
    /// Everything up to (not including) the `:port` suffix.
    pub without_port: &'a [u8],
}

/// The default port of the schemes whose default a browser elides.
pub(crate) fn default_port(scheme: &[u8]) -> Option<&'static [u8]> {
    match scheme {
        b"http" | b"ws" => Some(b"80"),
        b"https" | b"wss" => Some(b"443"),
        b"ftp" => Some(b"21"),
        _ => None,
    }
}

/// Parses a request `Origin` value. `null` is not an origin here: callers
/// handle it before.
pub(crate) fn parse(s: &[u8]) -> Option<Origin<'_>> {
    if s.len() > MAX_ORIGIN_BYTES {
        return None;
    }
    // A scheme holds no ':', so the first one must open the "://". Origins
    // are short: a plain loop beats a SIMD search's set-up cost here.
    let sep = s.iter().position(|&b| b == b':')?;
    let (scheme, rest) = s.split_at_checked(sep)?;
    if !is_scheme(scheme) {
        return None;
    }
    let authority = rest.strip_prefix(b"://")?;
    let (host, port, host_kind) = if authority.first() == Some(&b'[') {
        split_ipv6(authority)?
    } else {
        split_name(authority)?
    };
    if let Some(p) = port {
        if !is_port(p) || default_port(scheme) == Some(p) {
            return None;
        }
    }
    let without_port = s.get(..sep + 3 + host.len())?;
    Some(Origin {
        scheme,
        host,
        host_kind,
        port,
        without_port,
    })
}

/// Byte classes for the one-pass checks below.
const SCHEME: u8 = 1;
const DOMAIN: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            class = SCHEME | DOMAIN;
        } else if c == b'+' || c == b'.' {
            class = SCHEME;
        } else if c == b'-' {
            class = SCHEME | DOMAIN;
        } else if c == b'_' {
            class = DOMAIN;
        }
        // Evaluated at compile time: `b` is always in range.
        #[allow(clippy::indexing_slicing)]
        {
            t[b] = class;
        }
        b += 1;
    }
    t
};

#[inline]
fn class(b: u8) -> u8 {
    CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

fn is_scheme(s: &[u8]) -> bool {
    match s.split_first() {
        Some((first, rest)) => {
            s.len() <= MAX_SCHEME_BYTES
                && first.is_ascii_lowercase()
                && rest.iter().all(|&b| class(b) & SCHEME != 0)
        }
        None => false,
    }
}

/// An authority split: the host, the port if one is given, and the host's
/// kind.
type Authority<'a> = (&'a [u8], Option<&'a [u8]>, HostKind);

/// A bracketed IPv6 authority, `[address][:port]`; the host keeps its
/// brackets.
fn split_ipv6(authority: &[u8]) -> Option<Authority<'_>> {
    let host_end = authority.iter().position(|&b| b == b']')? + 1;
    let (host, rest) = authority.split_at_checked(host_end)?;
    let inner = host.strip_prefix(b"[")?.strip_suffix(b"]")?;
    if !is_canonical_ipv6(inner) {
        return None;
    }
    Some((host, port_after(rest)?, HostKind::Ipv6))
}

/// What follows a host: nothing, or `:` and a port (checked later).
fn port_after(rest: &[u8]) -> Option<Option<&[u8]>> {
    match rest.split_first() {
        None => Some(None),
        Some((b':', port)) => Some(Some(port)),
        Some(_) => None,
    }
}

/// A domain or IPv4 authority, `host[:port]`. One pass finds where the
/// host ends and checks it as a domain: lower-case ASCII labels of
/// `[a-z0-9-_]`, none empty or over 63 bytes, at most one trailing dot.
/// Every dotted quad passes that check too and is then validated as one.
fn split_name(authority: &[u8]) -> Option<Authority<'_>> {
    let end = name_end(authority)?;
    let (host, rest) = authority.split_at_checked(end)?;
    if host.is_empty() || host.len() > MAX_HOST_BYTES {
        return None;
    }
    let port = port_after(rest)?;
    // WHATWG: a host whose last label is numeric is parsed as IPv4 and
    // re-serialized as a dotted quad, so any other numeric spelling
    // (`127.1`, `0x7f.0.0.1`, `2130706433`, a trailing dot) never reaches us
    // from a browser.
    let body = host.strip_suffix(b".").unwrap_or(host);
    let last_label = match body.iter().rposition(|&b| b == b'.') {
        Some(dot) => body.get(dot + 1..).unwrap_or(&[]),
        None => body,
    };
    // (An upper-case `0X` never gets here: labels are lower-case.)
    let numeric_tail = !last_label.is_empty()
        && (last_label.iter().all(u8::is_ascii_digit) || last_label.starts_with(b"0x"));
    if numeric_tail {
        return is_dotted_quad(host).then_some((host, port, HostKind::Ipv4));
    }
    Some((host, port, HostKind::Domain))
}

/// Where a domain or IPv4 host ends in `authority` (at a `:` or the end),
/// if every label so far is 1 to 63 bytes of `[a-z0-9-_]`: an empty label
/// (`a..b`, a leading dot) or any other byte is no host at all, neither a
/// domain nor a dotted quad.
#[inline]
fn name_end(authority: &[u8]) -> Option<usize> {
    let mut label = 0usize;
    for (i, &b) in authority.iter().enumerate() {
        // Label bytes first: nearly every byte is one.
        if class(b) & DOMAIN != 0 {
            if label >= MAX_LABEL_BYTES {
                return None;
            }
            label += 1;
            continue;
        }
        match b {
            b'.' if label != 0 => label = 0,
            b':' => return Some(i),
            _ => return None,
        }
    }
    Some(authority.len())
}

/// A port as a browser serializes it: 1–65535, no sign, no leading zero.
pub(crate) fn is_port(p: &[u8]) -> bool {
    if p.is_empty() || p.len() > 5 || p.first() == Some(&b'0') {
        return false;
    }
    let mut v: u32 = 0;
    for &b in p {
        if !b.is_ascii_digit() {
            return false;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    (1..=65535).contains(&v)
}

fn is_dotted_quad(host: &[u8]) -> bool {
    let mut parts = 0;
    for part in host.split(|&b| b == b'.') {
        parts += 1;
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part.first() == Some(&b'0')) {
            return false;
        }
        let mut v: u32 = 0;
        for &b in part {
            if !b.is_ascii_digit() {
                return false;
            }
            v = v * 10 + u32::from(b - b'0');
        }
        if v > 255 {
            return false;
        }
    }
    parts == 4
}

/// Whether `s` is an IPv6 address written exactly as RFC 5952 (and the URL
/// serializer) writes it: lower-case hex, no leading zeros, the longest run
/// of two or more zero groups (the first on a tie) compressed to `::`, no
/// embedded IPv4, no zone.
pub(crate) fn is_canonical_ipv6(s: &[u8]) -> bool {
    match parse_ipv6(s) {
        Some(groups) => {
            let mut buf = [0u8; 40];
            let n = write_ipv6(&groups, &mut buf);
            buf.get(..n) == Some(s)
        }
        None => false,
    }
}

fn parse_ipv6(s: &[u8]) -> Option<[u16; 8]> {
    if s.len() > 39 {
        return None;
    }
    let mut groups = [0u16; 8];
    let mut n = 0usize;
    let mut gap: Option<usize> = None;
    let mut rest = s;
    if let Some(r) = rest.strip_prefix(b"::") {
        gap = Some(0);
        rest = r;
    }
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits == 0 || digits > 4 {
            return None;
        }
        let (hex, tail) = rest.split_at_checked(digits)?;
        let mut v: u16 = 0;
        for &b in hex {
            v = (v << 4) | u16::from(hex_value(b)?);
        }
        *groups.get_mut(n)? = v;
        n += 1;
        rest = match tail {
            [] => tail,
            [b':', b':', more @ ..] => {
                if gap.is_some() {
                    return None;
                }
                gap = Some(n);
                more
            }
            [b':', more @ ..] if !more.is_empty() => more,
            _ => return None,
        };
    }
    match gap {
        None if n == 8 => Some(groups),
        Some(at) if n < 8 => {
            let mut out = [0u16; 8];
            let tail_len = n - at;
            for i in 0..at {
                *out.get_mut(i)? = *groups.get(i)?;
            }
            for i in 0..tail_len {
                *out.get_mut(8 - tail_len + i)? = *groups.get(at + i)?;
            }
            Some(out)
        }
        _ => None,
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Writes the RFC 5952 form of `groups` into `buf`, returning its length.
fn write_ipv6(groups: &[u16; 8], buf: &mut [u8; 40]) -> usize {
    // The longest run of zero groups of length ≥ 2, first one on a tie.
    let (mut best_at, mut best_len) = (8usize, 0usize);
    let mut i = 0;
    while i < 8 {
        let run = groups.iter().skip(i).take_while(|&&g| g == 0).count();
        if run >= 2 && run > best_len {
            (best_at, best_len) = (i, run);
        }
        i += run.max(1);
    }
    let mut len = 0usize;
    let mut put = |b: u8| {
        if let Some(slot) = buf.get_mut(len) {
            *slot = b;
            len += 1;
        }
    };
    let mut i = 0;
    while i < 8 {
        if i == best_at {
            put(b':');
            if i == 0 {
                put(b':');
            }
            i += best_len;
            continue;
        }
        let g = groups.get(i).copied().unwrap_or(0);
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let nibble = ((g >> shift) & 0xf) as u8;
            if nibble != 0 || started || shift == 0 {
                started = true;
                put(b"0123456789abcdef"
                    .get(usize::from(nibble))
                    .copied()
                    .unwrap_or(b'0'));
            }
        }
        if i != 7 {
            put(b':');
        }
        i += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    fn ok(s: &str) -> bool {
        parse(s.as_bytes()).is_some()
    }

    #[test]
    fn accepts_what_browsers_send() {
        for s in [
            "https://example.com",
            "https://a.b.example.com",
            "http://localhost:8080",
            "https://xn--bcher-kva.example",
            "http://127.0.0.1:8080",
            "http://[::1]:9090",
            "https://[2001:db8::1]",
            "chrome-extension://abcdefghijklmnop",
            "https://example.com.",
            "https://under_score.example",
            "http://example.com:65535",
        ] {
            assert!(ok(s), "{s}");
        }
    }

    #[test]
    fn rejects_what_browsers_never_send() {
        for s in [
            "",
            "https://",
            "https//example.com",
            "HTTPS://example.com",
            "https://EXAMPLE.com",
            "https://example.com/",
            "https://example.com/x",
            "https://example.com?",
            "https://example.com#a",
            "https://user@example.com",
            "https://example.com:443",
            "http://example.com:80",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:08080",
            "https://example.com:",
            "https://exa mple.com",
            "https://example..com",
            "https://.example.com",
            "https://example.com..",
            "http://127.1:8080",
            "http://0x7f.0.0.1:8080",
            "http://2130706433:8080",
            "http://127.0.0.1.",
            "http://256.0.0.1",
            "http://01.2.3.4",
            "http://[0:0:0:0:0:0:0:1]:9090",
            "http://[::ffff:127.0.0.1]",
            "http://[fe80::1%25eth0]",
            "http://[::0001]",
            "http://[2001:DB8::1]",
            "http://[2001:db8:0:0:1:0:0:1]",
            "http://[::1",
            "https://b\u{fc}cher.example",
            "https://example.com\r",
            "https://example.com\0.evil.net",
            "https://example.com, https://evil.net",
            "https://example.com`.evil.net",
            "https://example.com%60.evil.net",
            "https://a.example.com.$.evil.net",
        ] {
            assert!(!ok(s), "{s:?}");
        }
    }

    #[test]
    fn ipv6_canonical_forms() {
        for s in [
            "::",
            "::1",
            "1::",
            "2001:db8::1",
            "2001:db8:0:1:1:1:1:1",
            "1:0:0:2::3",
        ] {
            assert!(is_canonical_ipv6(s.as_bytes()), "{s}");
        }
        for s in [
            "2001:db8::0:1",
            "2001:0db8::1",
            "1::2::3",
            ":1",
            "1:",
            "::1::",
            "1:2:3:4:5:6:7:8:9",
            "1:0:2:3:4:5:6:7::",
        ] {
            assert!(!is_canonical_ipv6(s.as_bytes()), "{s}");
        }
        // A single zero group is not compressed; the first longest run is.
        assert!(is_canonical_ipv6(b"2001:db8:0:1:1:1:1:1"));
        assert!(!is_canonical_ipv6(b"2001:db8::1:1:1:1:1"));
        assert!(is_canonical_ipv6(b"1::4:0:0:7:8"));
        assert!(!is_canonical_ipv6(b"1:0:0:4::7:8"));
    }

    #[test]
    fn length_cap() {
        let long = format!("https://{}.example", "a".repeat(MAX_ORIGIN_BYTES));
        assert!(!ok(&long));
    }
}
