//! The outcome of evaluating one request: kind, verdict, reason, status and
//! the exact CORS response headers.

use crate::Reason;

/// The most response headers a decision can carry.
///
/// A preflight needs at most `Vary`, ACAO, ACAC, ACAM, ACMA, ACAPN and one
/// `Access-Control-Allow-Headers` line per non-empty request line (at most
/// [`MAX_ACRH_LINES`](crate::MAX_ACRH_LINES) of them are echoed).
pub const MAX_HEADERS: usize = 12;

/// Response header names, spelled as they go on the wire.
pub mod names {
    /// `Access-Control-Allow-Origin`.
    pub const ALLOW_ORIGIN: &str = "Access-Control-Allow-Origin";
    /// `Access-Control-Allow-Credentials`.
    pub const ALLOW_CREDENTIALS: &str = "Access-Control-Allow-Credentials";
    /// `Access-Control-Allow-Methods`.
    pub const ALLOW_METHODS: &str = "Access-Control-Allow-Methods";
    /// `Access-Control-Allow-Headers`.
    pub const ALLOW_HEADERS: &str = "Access-Control-Allow-Headers";
    /// `Access-Control-Max-Age`.
    pub const MAX_AGE: &str = "Access-Control-Max-Age";
    /// `Access-Control-Allow-Private-Network`.
    pub const ALLOW_PRIVATE_NETWORK: &str = "Access-Control-Allow-Private-Network";
    /// `Access-Control-Expose-Headers`.
    pub const EXPOSE_HEADERS: &str = "Access-Control-Expose-Headers";
    /// `Vary`.
    pub const VARY: &str = "Vary";
}

/// What kind of request was evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// No `Origin` field (or a raw head that could not be framed): the
    /// request is handed to the application untouched, apart from `Vary`.
    NotCors = 0,
    /// `OPTIONS` with `Origin` and a non-empty `Access-Control-Request-Method`:
    /// the engine answers it (unless the policy forwards denied preflights).
    Preflight = 1,
    /// Any other request with an `Origin` field, including an `OPTIONS`
    /// without `Access-Control-Request-Method`: it reaches the application and
    /// the engine's headers are added to the application's response.
    Actual = 2,
}

impl Kind {
    /// The stable snake_case name: `not_cors`, `preflight` or `actual`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::NotCors => "not_cors",
            Kind::Preflight => "preflight",
            Kind::Actual => "actual",
        }
    }
}

impl core::fmt::Display for Kind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One response header: a `'static` name and a value that borrows from the
/// policy, from static data or from validated request bytes.
///
/// Values never contain CR, LF, NUL or any byte outside visible ASCII, space
/// and tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    /// The header name, as sent on the wire.
    pub name: &'static str,
    /// The header value.
    pub value: &'a [u8],
}

impl<'a> Header<'a> {
    /// The value as text. Values are ASCII by construction, so this never
    /// fails in practice; a non-UTF-8 value would yield `""`.
    pub fn value_str(&self) -> &'a str {
        core::str::from_utf8(self.value).unwrap_or("")
    }
}

/// Where an evaluation writes its outcome, as the engine works it out.
///
/// [`Decision`] is the usual sink. A host that keeps a decision record of
/// its own implements this trait to have that record filled in place, with
/// no `Decision` in between and no copy out of one: the C ABI writes the
/// caller's `corsgate_decision` this way (see
/// [`Policy::evaluate_view_into`](crate::Policy::evaluate_view_into)).
///
/// For each evaluation the engine calls [`begin`](DecisionSink::begin)
/// exactly once, first, then [`set_status`](DecisionSink::set_status) at
/// most once and [`push`](DecisionSink::push) at most [`MAX_HEADERS`]
/// times, in the order the headers are to be sent. A sink that is reused
/// must forget everything from the previous evaluation in `begin`.
///
/// ```
/// use corsgate::{DecisionSink, Header, Kind, Policy, Reason, RequestView};
///
/// /// Keeps the header lines only, as a host that writes them out would.
/// struct Lines(Vec<String>);
///
/// impl<'a> DecisionSink<'a> for Lines {
///     fn begin(&mut self, _: Kind, _: Reason) {
///         self.0.clear();
///     }
///     fn set_status(&mut self, _: u16) {}
///     fn push(&mut self, h: Header<'a>) {
///         self.0.push(format!("{}: {}", h.name, h.value_str()));
///     }
/// }
///
/// let policy = Policy::from_toml(r#"origins = ["https://app.example.com"]"#)
///     .expect("valid policy");
/// let view = RequestView::from_headers(
///     b"GET",
///     [(&b"origin"[..], &b"https://app.example.com"[..])],
/// );
/// let mut lines = Lines(Vec::new());
/// policy.evaluate_view_into(&view, &mut lines);
/// assert_eq!(
///     lines.0,
///     ["Access-Control-Allow-Origin: https://app.example.com", "Vary: Origin"]
/// );
/// ```
pub trait DecisionSink<'a> {
    /// Starts the outcome: its kind and reason (a request is allowed
    /// exactly when the reason is [`Reason::Ok`]), no status, no headers.
    fn begin(&mut self, kind: Kind, reason: Reason);
    /// Sets the status the engine proposes (see [`Decision::status`]).
    fn set_status(&mut self, status: u16);
    /// Appends one response header.
    fn push(&mut self, header: Header<'a>);
}

// Decisions are only built by the evaluator, which needs `alloc`.
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
const EMPTY: Header<'static> = Header {
    name: "",
    value: b"",
};

/// The engine's answer for one request.
///
/// A decision is a plain value on the stack: building it never allocates.
/// Denial is a decision, not an error.
#[derive(Clone, Copy, Debug)]
pub struct Decision<'a> {
    kind: Kind,
    allowed: bool,
    reason: Reason,
    status: u16,
    len: u8,
    headers: [Header<'a>; MAX_HEADERS],
}

#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
impl<'a> Decision<'a> {
    #[inline(always)]
    pub(crate) const fn new(kind: Kind, reason: Reason) -> Self {
        Decision {
            kind,
            allowed: matches!(reason, Reason::Ok),
            reason,
            status: 0,
            len: 0,
            headers: [EMPTY; MAX_HEADERS],
        }
    }

    /// Appends a header. The evaluator never pushes more than
    /// [`MAX_HEADERS`]; a push beyond it is dropped rather than panicking.
    #[inline(always)]
    pub(crate) fn push(&mut self, name: &'static str, value: &'a [u8]) {
        if let Some(slot) = self.headers.get_mut(usize::from(self.len)) {
            *slot = Header { name, value };
            self.len += 1;
        }
    }

    /// Starts the decision over as `kind`/`reason` with no status and no
    /// headers. The header slots are left as they are: `len` hides them.
    #[inline(always)]
    pub(crate) fn reset(&mut self, kind: Kind, reason: Reason) {
        self.kind = kind;
        self.allowed = matches!(reason, Reason::Ok);
        self.reason = reason;
        self.status = 0;
        self.len = 0;
    }

    #[inline(always)]
    pub(crate) fn set_status(&mut self, status: u16) {
        self.status = status;
    }

    /// The kind of request.
    pub const fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether the request is allowed. A `not_cors` request is never
    /// "allowed": it simply isn't CORS.
    pub const fn allowed(&self) -> bool {
        self.allowed
    }

    /// Why the request was decided this way.
    pub const fn reason(&self) -> Reason {
        self.reason
    }

    /// The status the engine proposes for the response, or `0` when the
    /// application should answer (actual and not-CORS requests, forwarded
    /// preflights, report-only mode).
    ///
    /// Preflights get 204 (or 200, per policy) when allowed and 403 when
    /// denied; a raw head that cannot be framed gets 400.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The CORS response headers to add, in a fixed order.
    pub fn headers(&self) -> &[Header<'a>] {
        self.headers.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The value of the header `name` (ASCII case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers()
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// The number of bytes [`write_headers`](Decision::write_headers) needs.
    pub fn serialized_len(&self) -> usize {
        self.headers()
            .iter()
            .map(|h| h.name.len() + 2 + h.value.len() + 2)
            .sum()
    }

    /// Serialises the headers as `Name: value\r\n` lines into `out`.
    ///
    /// Returns the number of bytes written, or `Err(needed)` with the size
    /// required when `out` is too small, in which case nothing is written.
    pub fn write_headers(&self, out: &mut [u8]) -> Result<usize, usize> {
        let needed = self.serialized_len();
        let Some(dst) = out.get_mut(..needed) else {
            return Err(needed);
        };
        let mut rest = dst;
        for h in self.headers() {
            for part in [h.name.as_bytes(), b": ", h.value, b"\r\n"] {
                let (head, tail) = rest.split_at_mut(part.len());
                head.copy_from_slice(part);
                rest = tail;
            }
        }
        Ok(needed)
    }
}

impl<'a> DecisionSink<'a> for Decision<'a> {
    #[inline(always)]
    fn begin(&mut self, kind: Kind, reason: Reason) {
        self.reset(kind, reason);
    }

    #[inline(always)]
    fn set_status(&mut self, status: u16) {
        Decision::set_status(self, status);
    }

    /// A push beyond [`MAX_HEADERS`] (which the engine never makes) is
    /// dropped rather than panicking.
    #[inline(always)]
    fn push(&mut self, header: Header<'a>) {
        Decision::push(self, header.name, header.value);
    }
}

/// An empty `not_cors` decision (reason `no_origin`, no headers), to be
/// filled by [`Policy::evaluate_view_into`](crate::Policy::evaluate_view_into).
impl Default for Decision<'_> {
    #[inline]
    fn default() -> Self {
        BLANK
    }
}

/// A `not_cors` decision with every header slot empty, copied rather than
/// built: LLVM builds `[EMPTY; MAX_HEADERS]` in a temporary and copies it
/// anyway.
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
const BLANK: Decision<'static> = Decision::new(Kind::NotCors, Reason::NoOrigin);

impl PartialEq for Decision<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.allowed == other.allowed
            && self.reason == other.reason
            && self.status == other.status
            && self.headers() == other.headers()
    }
}

impl Eq for Decision<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn write_headers_reports_needed_size_and_writes_nothing_when_short() {
        let mut d = Decision::new(Kind::Actual, Reason::Ok);
        d.push(names::ALLOW_ORIGIN, b"https://a.example");
        d.push(names::VARY, b"Origin");
        let text = b"Access-Control-Allow-Origin: https://a.example\r\nVary: Origin\r\n";
        assert_eq!(d.serialized_len(), text.len());
        let mut small = [0u8; 10];
        assert_eq!(d.write_headers(&mut small), Err(text.len()));
        assert_eq!(small, [0u8; 10]);
        let mut buf = [0u8; 128];
        let n = d.write_headers(&mut buf).unwrap();
        assert_eq!(&buf[..n], &text[..]);
    }

    #[test]
    fn push_beyond_capacity_is_dropped() {
        let mut d = Decision::new(Kind::Actual, Reason::Ok);
        for _ in 0..MAX_HEADERS + 3 {
            d.push(names::VARY, b"Origin");
        }
        assert_eq!(d.headers().len(), MAX_HEADERS);
    }
}
