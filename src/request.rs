//! The four request fields CORS looks at, however the host obtained them.
//!
//! All three input forms (a raw head, a header list, a host's own index)
//! end up as a [`RequestView`], and only a view is ever evaluated: the forms
//! cannot drift apart.

use crate::syntax::{eq_ignore_case_lower, is_ows, trim_ows};

/// How many `Access-Control-Request-Headers` field lines are kept. Browsers
/// send one; intermediaries occasionally split a list in two. A request with
/// more lines is refused (`header_not_allowed`) rather than partially read.
pub const MAX_ACRH_LINES: usize = 4;

/// The most bytes of `Access-Control-Request-Headers`, all lines together
/// and counted before trimming, the engine reads: every byte of every
/// value as handed over, surrounding whitespace included, except one
/// leading space or tab per line, the separator of `Name: value`. A longer
/// list is refused before any byte of it is looked at.
pub const MAX_ACRH_BYTES: usize = 2048;

/// A singleton request field, as seen across all the request's lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Field<'r> {
    /// The field is not present.
    #[default]
    Absent,
    /// The field is present exactly once, with this value (OWS trimmed).
    One(&'r [u8]),
    /// The field is present more than once. CORS singletons that appear
    /// twice fail closed: the engine never guesses which line a proxy or
    /// application would pick.
    Repeated,
}

impl<'r> Field<'r> {
    /// Records one more line of this field.
    #[inline]
    pub fn add(&mut self, value: &'r [u8]) {
        *self = match self {
            Field::Absent => Field::One(trim_ows(value)),
            _ => Field::Repeated,
        };
    }

    /// Whether the field is present at all.
    pub fn is_present(&self) -> bool {
        !matches!(self, Field::Absent)
    }
}

/// The `Access-Control-Request-Headers` lines of a request, one list
/// (RFC 9110 §5.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldLines<'r> {
    lines: [&'r [u8]; MAX_ACRH_LINES],
    len: u8,
    overflow: bool,
    /// Bytes seen across all lines, untrimmed.
    total: usize,
}

impl<'r> FieldLines<'r> {
    /// No lines.
    pub const fn new() -> Self {
        FieldLines {
            lines: [&[]; MAX_ACRH_LINES],
            len: 0,
            overflow: false,
            total: 0,
        }
    }

    /// Records one more line. Lines beyond [`MAX_ACRH_LINES`], or beyond
    /// [`MAX_ACRH_BYTES`] in all (counted before trimming), mark the list
    /// as overflowing; it is then refused as a whole, and an over-long line
    /// is never even trimmed.
    #[inline]
    pub fn add(&mut self, value: &'r [u8]) {
        // Whitespace counts like any byte, so that trimming never reads
        // more than the cap. A raw head hands over what follows the colon,
        // so the one space of `Name: value` is the separator, not the list,
        // whichever form the request came in (one byte test, no scan).
        let separator = usize::from(value.first().is_some_and(|&b| is_ows(b)));
        self.total = self
            .total
            .saturating_add(value.len().saturating_sub(separator));
        if self.total > MAX_ACRH_BYTES {
            self.overflow = true;
            return;
        }
        match self.lines.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = trim_ows(value);
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    /// The recorded lines, OWS-trimmed.
    pub fn lines(&self) -> &[&'r [u8]] {
        self.lines.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Whether more than [`MAX_ACRH_LINES`] lines or [`MAX_ACRH_BYTES`]
    /// bytes were seen.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }
}

/// The CORS-relevant parts of a request, pre-extracted.
///
/// Hosts that already index their headers (nginx) fill this in directly;
/// [`RequestView::from_headers`] builds it from a header list and the raw
/// head scanner builds it from bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestView<'r> {
    /// The request method, byte-exact (`OPTIONS`, `GET`, …).
    pub method: &'r [u8],
    /// `Origin`.
    pub origin: Field<'r>,
    /// `Access-Control-Request-Method`.
    pub request_method: Field<'r>,
    /// `Access-Control-Request-Headers`, every line.
    pub request_headers: FieldLines<'r>,
    /// `Access-Control-Request-Private-Network`.
    pub request_private_network: Field<'r>,
}

/// Which CORS field a header name is, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relevant {
    Origin,
    RequestMethod,
    RequestHeaders,
    RequestPrivateNetwork,
}

pub(crate) const ORIGIN: &[u8] = b"origin";
pub(crate) const ACRM: &[u8] = b"access-control-request-method";
pub(crate) const ACRH: &[u8] = b"access-control-request-headers";
pub(crate) const ACRPN: &[u8] = b"access-control-request-private-network";

/// Classifies a field name, ASCII case-insensitively. The length dispatch
/// keeps the common case (an irrelevant header) to one comparison.
#[inline]
pub(crate) fn classify(name: &[u8]) -> Option<Relevant> {
    // One call per arm, each with a constant name, so that the compare's
    // masks are computed at compile time.
    let (hit, which) = match name.len() {
        6 => (eq_ignore_case_lower(name, ORIGIN), Relevant::Origin),
        29 => (eq_ignore_case_lower(name, ACRM), Relevant::RequestMethod),
        30 => (eq_ignore_case_lower(name, ACRH), Relevant::RequestHeaders),
        38 => (
            eq_ignore_case_lower(name, ACRPN),
            Relevant::RequestPrivateNetwork,
        ),
        _ => return None,
    };
    hit.then_some(which)
}

impl<'r> RequestView<'r> {
    /// An empty view for `method`.
    pub const fn new(method: &'r [u8]) -> Self {
        RequestView {
            method,
            origin: Field::Absent,
            request_method: Field::Absent,
            request_headers: FieldLines::new(),
            request_private_network: Field::Absent,
        }
    }

    /// Records one header line; irrelevant names are ignored. Returns
    /// whether the name was one of the four CORS request fields.
    #[inline]
    pub fn add_header(&mut self, name: &[u8], value: &'r [u8]) -> bool {
        match classify(name) {
            Some(which) => {
                self.add_relevant(which, value);
                true
            }
            None => false,
        }
    }

    #[inline]
    pub(crate) fn add_relevant(&mut self, which: Relevant, value: &'r [u8]) {
        match which {
            Relevant::Origin => self.origin.add(value),
            Relevant::RequestMethod => self.request_method.add(value),
            Relevant::RequestHeaders => self.request_headers.add(value),
            Relevant::RequestPrivateNetwork => self.request_private_network.add(value),
        }
    }

    /// Builds a view from a method and a list of `(name, value)` pairs, as
    /// HTTP/2 and HTTP/3 hosts, Go and Python have them. Names are matched
    /// ASCII case-insensitively; values are OWS-trimmed.
    pub fn from_headers<I>(method: &'r [u8], headers: I) -> Self
    where
        I: IntoIterator<Item = (&'r [u8], &'r [u8])>,
    {
        let mut view = RequestView::new(method);
        for (name, value) in headers {
            view.add_header(name, value);
        }
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn classify_names() {
        assert_eq!(classify(b"Origin"), Some(Relevant::Origin));
        assert_eq!(classify(b"oRiGiN"), Some(Relevant::Origin));
        assert_eq!(
            classify(b"ACCESS-CONTROL-REQUEST-METHOD"),
            Some(Relevant::RequestMethod)
        );
        assert_eq!(
            classify(b"access-control-request-headers"),
            Some(Relevant::RequestHeaders)
        );
        assert_eq!(
            classify(b"Access-Control-Request-Private-Network"),
            Some(Relevant::RequestPrivateNetwork)
        );
        assert_eq!(classify(b"origins"), None);
        assert_eq!(classify(b"Referer"), None);
    }

    #[test]
    fn view_from_header_list() {
        let headers: [(&[u8], &[u8]); 4] = [
            (b"Host", b"api.example.com"),
            (b"origin", b" https://a.example "),
            (b"access-control-request-headers", b"x-a"),
            (b"Access-Control-Request-Headers", b"x-b"),
        ];
        let v = RequestView::from_headers(b"OPTIONS", headers);
        assert_eq!(v.origin, Field::One(b"https://a.example"));
        assert_eq!(v.request_headers.lines(), &[&b"x-a"[..], &b"x-b"[..]]);
        assert!(!v.request_method.is_present());
    }

    #[test]
    fn repeated_and_overflow() {
        let mut v = RequestView::new(b"GET");
        v.add_header(b"Origin", b"https://a.example");
        v.add_header(b"Origin", b"https://a.example");
        assert_eq!(v.origin, Field::Repeated);
        for _ in 0..=MAX_ACRH_LINES {
            v.add_header(b"access-control-request-headers", b"");
        }
        assert!(v.request_headers.overflowed());
        assert_eq!(v.request_headers.lines().len(), MAX_ACRH_LINES);
    }
}
