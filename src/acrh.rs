//! Validation of `Access-Control-Request-Headers`.
//!
//! Browsers send a sorted, lower-cased, de-duplicated list of names, in one
//! line; anything much bigger is an attack. The checks below are linear in
//! the bytes looked at, and the caps bound how many bytes that is.

use crate::request::FieldLines;
use crate::syntax::{is_ows, ows_free_ends, word};

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
    /// Whether `name` is allowed, and if so whether it is `authorization`
    /// (which a `*` grant does not cover): `None` when it is refused.
    /// `name` is an element of the list with its optional whitespace
    /// removed; it may hold any bytes, and a name that is not a token must
    /// not be allowed.
    fn allows(&self, name: &[u8]) -> Option<bool>;

    /// If `list` starts with a listed name followed by a comma or the end
    /// of `list`, that name's length and whether it is `authorization`;
    /// `None` otherwise (the first element may still be allowed, by the
    /// wildcard or once its whitespace is trimmed).
    fn leading_name(&self, list: &[u8]) -> Option<(usize, bool)>;
}

/// One element of a list, its optional whitespace removed.
enum Element<'a> {
    Name(&'a [u8]),
    /// Nothing, or only whitespace (`a,,b`, `a, ,b`).
    Empty,
    /// More whitespace than [`MAX_ACRH_OWS_BYTES`] on one side.
    Refused,
}

/// Validates every element of every line. `None` means the list is
/// refused: a name is not allowed, not a token, or a cap is exceeded.
///
/// Each element is cut at its comma and looked up as a whole, without a
/// separate pass over its bytes: a listed name is a token, so a hit proves
/// the syntax too, and a miss refuses the list whatever the reason. Only an
/// unbounded set (`request_headers = ["*"]`) checks token syntax itself.
pub(crate) fn check(lines: &FieldLines<'_>, allowed: &impl NameSet) -> Option<Requested> {
    // The byte and line caps were applied as the lines were recorded,
    // before trimming (`FieldLines::add`).
    if lines.overflowed() {
        return None;
    }
    let lines = lines.lines();
    let mut tally = Tally::default();
    for (i, line) in lines.iter().enumerate() {
        let mut rest: &[u8] = line;
        loop {
            // Browsers send listed names and nothing else: such an element
            // is found without cutting it first.
            if let Some((len, authorization)) = allowed.leading_name(rest) {
                tally.name(i, authorization)?;
                match rest.get(len + 1..) {
                    Some(tail) => {
                        rest = tail;
                        continue;
                    }
                    None => break,
                }
            }
            let (element, next) = match find_comma(rest) {
                Some(at) => (rest.get(..at).unwrap_or(&[]), rest.get(at + 1..)),
                None => (rest, None),
            };
            match trim(element) {
                Element::Name(name) => tally.name(i, allowed.allows(name)?)?,
                Element::Empty => tally.empty()?,
                Element::Refused => return None,
            }
            match next {
                Some(tail) => rest = tail,
                None => break,
            }
        }
    }
    Some(tally.out)
}

/// What the elements seen so far asked for, and how many there were.
#[derive(Default)]
struct Tally {
    out: Requested,
    names: usize,
    empties: usize,
}

impl Tally {
    /// One allowed name on line `line`; `None` past [`MAX_ACRH_ELEMENTS`].
    #[inline(always)]
    fn name(&mut self, line: usize, authorization: bool) -> Option<()> {
        self.names += 1;
        self.out.authorization |= authorization;
        self.out.lines_with_names |= 1 << line;
        (self.names <= MAX_ACRH_ELEMENTS).then_some(())
    }

    /// One empty element; `None` past [`MAX_ACRH_EMPTY_ELEMENTS`].
    #[inline(always)]
    fn empty(&mut self) -> Option<()> {
        self.empties += 1;
        (self.empties <= MAX_ACRH_EMPTY_ELEMENTS).then_some(())
    }
}

/// `element` without its optional whitespace, which may be at most
/// [`MAX_ACRH_OWS_BYTES`] on each side.
#[inline(always)]
fn trim(element: &[u8]) -> Element<'_> {
    // Browsers send no whitespace: two byte tests settle it.
    if ows_free_ends(element) {
        return Element::Name(element);
    }
    let lead = bounded_ows(element.iter());
    let body = element.get(lead..).unwrap_or(&[]);
    let trail = bounded_ows(body.iter().rev());
    if lead > MAX_ACRH_OWS_BYTES || trail > MAX_ACRH_OWS_BYTES {
        Element::Refused
    } else if body.is_empty() {
        Element::Empty
    } else {
        Element::Name(body.get(..body.len() - trail).unwrap_or(&[]))
    }
}

/// The index of the first comma in `s`, looked for eight bytes at a time:
/// elements are a dozen bytes long, too short for a `memchr` call to pay.
#[inline]
fn find_comma(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const COMMAS: u64 = ONES * b',' as u64;
    let mut chunks = s.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let w = word(Some(chunk)) ^ COMMAS;
        // The lowest flagged byte is exactly the first zero byte of `w`
        // (borrows only corrupt the bytes above it).
        let zero = w.wrapping_sub(ONES) & !w & HIGHS;
        if zero != 0 {
            return Some(base + (zero.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    let rest = chunks.remainder().len();
    if rest == 0 {
        return None;
    }
    if base == 0 {
        // Shorter than a word.
        return s.iter().position(|&b| b == b',');
    }
    // The last eight bytes, overlapping bytes already known to hold no
    // comma: those produce no borrow, and their flags are shifted out.
    let at = s.len() - 8;
    let w = word(s.get(at..)) ^ COMMAS;
    let seen = 8 * (8 - rest) as u32;
    let zero = (w.wrapping_sub(ONES) & !w & HIGHS) >> seen << seen;
    (zero != 0).then(|| at + (zero.trailing_zeros() / 8) as usize)
}

/// The OWS bytes at the start of `bytes`, counted up to one past
/// [`MAX_ACRH_OWS_BYTES`]: every count beyond the cap refuses the list
/// alike, and an unbounded count is a loop LLVM vectorises, whose set-up
/// costs more than the one or two bytes ever looked at.
#[inline(always)]
fn bounded_ows<'a>(bytes: impl Iterator<Item = &'a u8>) -> usize {
    bytes
        .take(MAX_ACRH_OWS_BYTES + 1)
        .take_while(|&&b| is_ows(b))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::MAX_ACRH_BYTES;
    use std::prelude::rust_2021::*;

    struct Names(&'static [&'static str], bool);
    impl Names {
        fn admits(&self, name: &[u8]) -> bool {
            self.0
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
                || (self.1
                    && crate::syntax::is_token(name)
                    && !name.eq_ignore_ascii_case(b"authorization"))
        }
    }
    impl NameSet for Names {
        fn allows(&self, name: &[u8]) -> Option<bool> {
            self.admits(name)
                .then(|| name.eq_ignore_ascii_case(b"authorization"))
        }
        fn leading_name(&self, list: &[u8]) -> Option<(usize, bool)> {
            let first = list.split(|&b| b == b',').next()?;
            self.0
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(first))
                .then(|| (first.len(), first.eq_ignore_ascii_case(b"authorization")))
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
    fn find_comma_agrees_with_a_byte_search() {
        // Every length up to five words, with no comma, one comma at each
        // position, and a second comma after it; filler bytes next to ','
        // (0x2C) in value, which a wrong borrow would flag.
        for len in 0..40 {
            for filler in [b'a', 0x2B, 0x2D, 0xAC, 0x00] {
                let plain = vec![filler; len];
                assert_eq!(find_comma(&plain), None, "{len} {filler:#x}");
                for first in 0..len {
                    for second in [None, Some(first + 1), Some(len - 1)] {
                        let mut s = plain.clone();
                        s[first] = b',';
                        if let Some(i) = second.filter(|&i| i < len) {
                            s[i] = b',';
                        }
                        let want = s.iter().position(|&b| b == b',');
                        assert_eq!(find_comma(&s), want, "{s:?}");
                    }
                }
            }
        }
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

    /// `MAX_ACRH_BYTES` counts a list's bytes as handed over, before any
    /// trimming: whitespace around a line counts like any byte (but the one
    /// separator space of `Name: value`), so padding cannot stretch the
    /// cap (up to 8 bytes per side of every line once went uncounted).
    #[test]
    fn byte_cap_counts_before_trimming() {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let any = Names(&[], true);
        let name = "a".repeat(MAX_ACRH_BYTES - 4);
        for (fits, ls) in [
            (true, vec![leak(format!("{name}    "))]),
            (true, vec![leak(format!(" {name}    "))]),
            (true, vec![leak(format!("\t {name}  ")), " "]),
            (true, vec![leak(format!("{name}  ")), " ab"]),
            (false, vec![leak(format!("{name}     "))]),
            (false, vec![leak(format!("  {name}    "))]),
            (false, vec![leak(format!("\t\t\t\t\t\t{name}"))]),
            (false, vec![leak(format!("\t{name}")), "      "]),
            (false, vec![leak(format!("{name}  ")), "  ab"]),
        ] {
            let got = check(&lines(&ls), &any);
            let lens: Vec<usize> = ls.iter().map(|l| l.len()).collect();
            assert_eq!(got.is_some(), fits, "{lens:?}");
        }
    }

    /// A raw head hands over what follows the colon: the usual `: ` is not
    /// part of the list, so a head and a header list carrying the same
    /// value count the same (vector S10), and more whitespace counts.
    #[test]
    fn byte_cap_in_a_raw_head() {
        let list = "a".repeat(MAX_ACRH_BYTES);
        let any = Names(&[], true);
        for (sep, end, fits) in [
            (": ", "", true),
            (":", "", true),
            (":\t", "", true),
            (":  ", "", false),
            (": ", " ", false),
        ] {
            let head = format!(
                "OPTIONS / HTTP/1.1\r\nAccess-Control-Request-Headers{sep}{list}{end}\r\n\r\n"
            );
            let view = crate::scan::scan_head(head.as_bytes()).unwrap();
            let got = check(&view.request_headers, &any);
            assert_eq!(got.is_some(), fits, "{sep:?} {end:?}");
            let mut listed = FieldLines::new();
            listed.add(
                head.as_bytes()
                    .split(|&b| b == b':')
                    .nth(1)
                    .unwrap()
                    .strip_suffix(b"\r\n\r\n")
                    .unwrap(),
            );
            assert_eq!(check(&listed, &any).is_some(), fits, "list form");
        }
    }

    /// The list grammar written the slow, obvious way (a token run between
    /// bounded OWS, then a comma or the end), as an oracle for `check`.
    fn reference(lines: &[&[u8]], allowed: &Names) -> Option<(u8, bool)> {
        let total: usize = lines.iter().map(|l| l.len()).sum();
        if lines.len() > crate::MAX_ACRH_LINES || total > MAX_ACRH_BYTES {
            return None;
        }
        let (mut names, mut empties, mut with, mut auth) = (0, 0, 0u8, false);
        for (i, line) in lines.iter().enumerate() {
            for element in line.split(|&b| b == b',') {
                let lead = element.iter().take_while(|&&b| is_ows(b)).count();
                let rest = &element[lead..];
                let trail = rest.iter().rev().take_while(|&&b| is_ows(b)).count();
                let name = &rest[..rest.len() - trail];
                if name.is_empty() {
                    empties += 1;
                    if empties > MAX_ACRH_EMPTY_ELEMENTS || lead > MAX_ACRH_OWS_BYTES {
                        return None;
                    }
                    continue;
                }
                names += 1;
                let token = name.iter().all(|&b| crate::syntax::is_tchar(b));
                if names > MAX_ACRH_ELEMENTS
                    || lead > MAX_ACRH_OWS_BYTES
                    || trail > MAX_ACRH_OWS_BYTES
                    || !token
                    || !allowed.admits(name)
                {
                    return None;
                }
                auth |= name.eq_ignore_ascii_case(b"authorization");
                with |= 1 << i;
            }
        }
        Some((with, auth))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn check_matches_the_reference(
            raw in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(
                    b"aAuthorizationcontent-typeX-API-KEY, \t,,;\x7f\xc3".to_vec()), 0..40),
                0..3),
            wildcard in proptest::bool::ANY,
        ) {
            let set = Names(&["content-type", "x-api-key", "authorization", "a"], wildcard);
            let refs: Vec<&[u8]> = raw.iter().map(|l| l.as_slice()).collect();
            let mut f = FieldLines::new();
            for l in &refs {
                f.add(l);
            }
            // FieldLines trims OWS around each line first; the oracle gets
            // the same trimmed lines.
            let trimmed: Vec<&[u8]> = f.lines().to_vec();
            let got = check(&f, &set).map(|r| (r.lines_with_names, r.authorization));
            proptest::prop_assert_eq!(got, reference(&trimmed, &set));
        }
    }
}
