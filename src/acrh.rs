//! Validation of `Access-Control-Request-Headers`.
//!
//! Browsers send a sorted, lower-cased, de-duplicated list of names, in one
//! line; anything much bigger is an attack. The checks below are linear in
//! the bytes looked at, and the caps bound how many bytes that is.

use crate::request::FieldLines;
use crate::syntax::{is_ows, is_tchar};

pub use crate::request::MAX_ACRH_BYTES;
/// The most names a request-headers list may carry.
pub const MAX_ACRH_ELEMENTS: usize = 64;
/// The most empty elements (`a,,b`) tolerated in a list.
pub const MAX_ACRH_EMPTY_ELEMENTS: usize = 16;
/// The most optional-whitespace bytes tolerated on each side of a name.
pub const MAX_ACRH_OWS_BYTES: usize = 2;

/// What a valid list asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Requested {
    /// Bit `i` set when line `i` holds at least one name.
    pub lines_with_names: u8,
    /// Whether `authorization` is among the names.
    pub authorization: bool,
}

impl Requested {
    pub(crate) fn any(&self) -> bool {
        self.lines_with_names != 0
    }
}

/// The allowed names, as the policy compiled them.
pub(crate) trait NameSet {
    /// Whether `name` (a token, any case) is allowed.
    fn allows(&self, name: &[u8]) -> bool;
    /// The longest name the set can allow, or `usize::MAX` when unbounded.
    fn max_name_len(&self) -> usize;
}

/// Validates every element of every line. `None` means the list is
/// refused: a name is not allowed, not a token, or a cap is exceeded.
pub(crate) fn check(lines: &FieldLines<'_>, allowed: &impl NameSet) -> Option<Requested> {
    if lines.overflowed() {
        return None;
    }
    let total: usize = lines.lines().iter().map(|l| l.len()).sum();
    if total > MAX_ACRH_BYTES {
        return None;
    }
    let max_len = allowed.max_name_len();
    let mut out = Requested::default();
    let (mut names, mut empties) = (0usize, 0usize);
    for (i, line) in lines.lines().iter().enumerate() {
        // One pass per line: OWS, a token, OWS, then a comma or the end.
        let mut rest: &[u8] = line;
        loop {
            let lead = count_ows(rest);
            let body = rest.get(lead..).unwrap_or(&[]);
            let n = body
                .iter()
                .position(|&b| !is_tchar(b))
                .unwrap_or(body.len());
            let (name, after) = body.split_at_checked(n)?;
            let trail = count_ows(after);
            let after = after.get(trail..).unwrap_or(&[]);
            let next = match after.split_first() {
                None => None,
                Some((b',', tail)) => Some(tail),
                // A byte that is neither a token byte, OWS nor a comma.
                Some(_) => return None,
            };
            if name.is_empty() {
                empties += 1;
                if empties > MAX_ACRH_EMPTY_ELEMENTS || lead + trail > MAX_ACRH_OWS_BYTES {
                    return None;
                }
            } else {
                names += 1;
                if names > MAX_ACRH_ELEMENTS
                    || lead > MAX_ACRH_OWS_BYTES
                    || trail > MAX_ACRH_OWS_BYTES
                    || name.len() > max_len
                    || !allowed.allows(name)
                {
                    return None;
                }
                out.authorization |= is_authorization(name);
                out.lines_with_names |= 1 << i;
            }
            match next {
                Some(tail) => rest = tail,
                None => break,
            }
        }
    }
    Some(out)
}

#[inline]
fn count_ows(s: &[u8]) -> usize {
    s.iter().take_while(|&&b| is_ows(b)).count()
}

#[inline]
pub(crate) fn is_authorization(name: &[u8]) -> bool {
    name.len() == 13 && name.eq_ignore_ascii_case(b"authorization")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    struct Names(&'static [&'static str], bool);
    impl NameSet for Names {
        fn allows(&self, name: &[u8]) -> bool {
            self.0
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
                || (self.1 && !name.eq_ignore_ascii_case(b"authorization"))
        }
        fn max_name_len(&self) -> usize {
            if self.1 {
                usize::MAX
            } else {
                self.0.iter().map(|n| n.len()).max().unwrap_or(0)
            }
        }
    }

    fn lines(ls: &[&'static str]) -> FieldLines<'static> {
        let mut f = FieldLines::new();
        for l in ls {
            f.add(l.as_bytes());
        }
        f
    }

    const LISTED: Names = Names(&["content-type", "x-api-key", "authorization"], false);

    #[test]
    fn listed_names() {
        assert!(check(&lines(&["content-type,x-api-key"]), &LISTED).is_some());
        assert!(check(&lines(&["Content-Type, X-Api-Key"]), &LISTED).is_some());
        assert!(check(&lines(&["content-type", "x-api-key"]), &LISTED).is_some());
        assert!(check(&lines(&["content-type,x-evil"]), &LISTED).is_none());
        assert!(check(&lines(&["content type"]), &LISTED).is_none());
        assert!(check(&lines(&["content-type;x"]), &LISTED).is_none());
        let r = check(&lines(&["authorization"]), &LISTED).unwrap();
        assert!(r.authorization && r.any());
        let r = check(&lines(&[""]), &LISTED).unwrap();
        assert!(!r.any());
    }

    #[test]
    fn wildcard_never_covers_authorization() {
        let any = Names(&[], true);
        assert!(check(&lines(&["x-anything,y"]), &any).is_some());
        assert!(check(&lines(&["authorization"]), &any).is_none());
    }

    #[test]
    fn caps() {
        let commas = ",".repeat(MAX_ACRH_EMPTY_ELEMENTS + 1);
        assert!(check(&lines(&[Box::leak(commas.into_boxed_str())]), &LISTED).is_none());
        assert!(check(&lines(&["content-type,   x-api-key"]), &LISTED).is_none());
        let many = vec!["x-api-key"; MAX_ACRH_ELEMENTS + 1].join(",");
        assert!(check(&lines(&[Box::leak(many.into_boxed_str())]), &LISTED).is_none());
        let huge = "a".repeat(MAX_ACRH_BYTES + 1);
        assert!(check(
            &lines(&[Box::leak(huge.into_boxed_str())]),
            &Names(&[], true)
        )
        .is_none());
        assert!(check(&lines(&["content-typeX"]), &LISTED).is_none());
    }
}
