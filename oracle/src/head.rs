//! Raw request heads, independently of the engine's scanner: writing a
//! head from a header list, pulling the header lines out of a head, and
//! rewriting one field of a fixture.

/// A borrowed `(name, value)` field line.
pub type Field<'a> = (&'a [u8], &'a [u8]);

/// `v` without optional whitespace (SP, HTAB) at either end, the way every
/// field value is read (RFC 9110 §5.5).
pub fn trim_ows(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    &v[start..end]
}

/// Every value of the fields named `name` (ASCII case-insensitively), as
/// sent.
pub fn values<'a>(fields: &[Field<'a>], name: &str) -> Vec<&'a [u8]> {
    fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|&(_, v)| v)
        .collect()
}

/// Splits a head into its method and `(name, value)` lines, the naive way:
/// line by line up to the first empty line, each header line cut at its
/// first colon, the value as it stands after the colon (leading whitespace
/// included). Lines without a colon are not fields and are skipped.
/// Returns `None` when there is no empty line.
pub fn split(head: &[u8]) -> Option<(&[u8], Vec<Field<'_>>)> {
    // Only a line ended by LF is a line: the piece after the last LF (empty
    // for a head ending in `\r\n`) is not the empty line that ends a head.
    let mut lines = head
        .split_inclusive(|&b| b == b'\n')
        .filter_map(|l| l.strip_suffix(b"\n"))
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next()?;
    let method = request_line.split(|&b| b == b' ').next()?;
    let mut fields = Vec::new();
    for line in lines {
        if line.is_empty() {
            return Some((method, fields));
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            fields.push((&line[..colon], &line[colon + 1..]));
        }
    }
    None
}

/// Writes `METHOD TARGET HTTP/1.1`, `Host: api.test`, one `name: value`
/// line per field and the empty line, byte for byte as given: nothing is
/// checked, so a value holding CR or LF changes the lines the head has.
/// This is the head every host layer builds from a conformance vector
/// (`tests/vectors/README.md`).
pub fn write(method: &[u8], target: &[u8], fields: &[(&[u8], &[u8])]) -> Vec<u8> {
    let size = fields
        .iter()
        .map(|(n, v)| n.len() + v.len() + 4)
        .sum::<usize>();
    let mut head = Vec::with_capacity(64 + method.len() + target.len() + size);
    head.extend_from_slice(method);
    head.push(b' ');
    head.extend_from_slice(target);
    head.extend_from_slice(b" HTTP/1.1\r\nHost: api.test\r\n");
    for (name, value) in fields {
        head.extend_from_slice(name);
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `s` is an RFC 9110 token.
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// [`write()`] with target `/`, when every part can travel in HTTP/1.1
/// unchanged (a token method and names, values free of control bytes other
/// than HTAB), so that the head holds exactly the given fields plus `Host`.
pub fn write_checked(method: &[u8], fields: &[(&[u8], &[u8])]) -> Option<Vec<u8>> {
    let value_ok = |v: &[u8]| v.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f));
    let fits = is_token(method) && fields.iter().all(|(n, v)| is_token(n) && value_ok(v));
    fits.then(|| write(method, b"/", fields))
}

/// Where the first `name:` line of a CRLF text head starts, and its name
/// as spelled there.
fn find_line<'h>(head: &'h str, name: &str) -> Option<(usize, &'h str, usize)> {
    let mut at = 0;
    for line in head.split_inclusive("\r\n") {
        if let Some((n, _)) = line.strip_suffix("\r\n").and_then(|l| l.split_once(':')) {
            if n.eq_ignore_ascii_case(name) {
                return Some((at, n, line.len()));
            }
        }
        at += line.len();
    }
    None
}

/// `head` (a text head with CRLF line ends) with the value of its first
/// `name:` line replaced by `value`, the name kept as spelled; `None` when
/// it has no such line.
pub fn with_value(head: &str, name: &str, value: &str) -> Option<String> {
    let (at, spelled, len) = find_line(head, name)?;
    let rest = &head[at + len - 2..];
    Some(format!("{}{spelled}: {value}{rest}", &head[..at]))
}

/// `head` without its first `name:` line; `None` when it has none.
pub fn without(head: &str, name: &str) -> Option<String> {
    let (at, _, len) = find_line(head, name)?;
    Some(format!("{}{}", &head[..at], &head[at + len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_reads_back_what_write_wrote() {
        let fields: [Field<'_>; 2] = [(b"Origin", b"https://a.example"), (b"X", b" y ")];
        let head = write(b"GET", b"/p", &fields);
        let (method, got) = split(&head).expect("a written head is terminated");
        assert_eq!(method, b"GET");
        assert_eq!(got.len(), 3);
        assert_eq!(trim_ows(got[1].1), b"https://a.example");
        assert_eq!(trim_ows(got[2].1), b"y");
        assert!(split(b"GET / HTTP/1.1\r\nOrigin: x\r\n").is_none());
        assert!(write_checked(b"GET", &[(b"X", b"a\r\nb")]).is_none());
    }

    #[test]
    fn rewrites_touch_one_line() {
        let head = "GET / HTTP/1.1\r\nOrigin: a\r\nX: 1\r\n\r\n";
        assert_eq!(
            with_value(head, "origin", "b").as_deref(),
            Some("GET / HTTP/1.1\r\nOrigin: b\r\nX: 1\r\n\r\n")
        );
        assert_eq!(
            without(head, "Origin").as_deref(),
            Some("GET / HTTP/1.1\r\nX: 1\r\n\r\n")
        );
        assert_eq!(with_value(head, "Cookie", "c"), None);
    }
}
