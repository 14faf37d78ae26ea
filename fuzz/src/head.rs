//! Raw heads, independently of the engine's scanner: pulling the header
//! lines out of a head the scanner accepted, and writing a head from a
//! header list.

/// A borrowed `(name, value)` field line.
pub type Field<'a> = (&'a [u8], &'a [u8]);

/// Splits a head into its method and `(name, value)` lines, the naive way:
/// line by line up to the first empty line, each header line cut at its
/// first colon. Lines without a colon are not fields and are skipped.
/// Returns `None` when there is no empty line.
pub fn split_head(head: &[u8]) -> Option<(&[u8], Vec<Field<'_>>)> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next()?;
    let method = request_line.split(|&b| b == b' ').next()?;
    let mut fields = Vec::new();
    let mut terminated = false;
    for line in lines {
        if line.is_empty() {
            terminated = true;
            break;
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            fields.push((&line[..colon], &line[colon + 1..]));
        }
    }
    // `split` always yields a last (possibly empty) piece; a head that ends
    // right after its last header line has no empty line of its own.
    terminated.then_some((method, fields))
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Writes `method / HTTP/1.1` and the fields as a CRLF head, when every
/// part can travel in HTTP/1.1 unchanged: a token method and names, values
/// free of control bytes other than HTAB.
pub fn write_head(method: &[u8], fields: &[(&[u8], &[u8])]) -> Option<Vec<u8>> {
    let token = |s: &[u8]| !s.is_empty() && s.iter().all(|&b| is_tchar(b));
    let value_ok = |v: &[u8]| v.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f));
    if !token(method) || !fields.iter().all(|(n, v)| token(n) && value_ok(v)) {
        return None;
    }
    let mut head = Vec::with_capacity(
        64 + fields
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>(),
    );
    head.extend_from_slice(method);
    head.extend_from_slice(b" / HTTP/1.1\r\n");
    for (n, v) in fields {
        head.extend_from_slice(n);
        head.extend_from_slice(b":");
        head.extend_from_slice(v);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    Some(head)
}
