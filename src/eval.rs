//! Evaluation: one request in, one [`Decision`] out, no allocation.
//!
//! Every input form becomes a [`RequestView`] first and `decide` is the only
//! place where CORS semantics live.
//!
//! The outcome is written into a [`DecisionSink`] as it is worked out, once
//! per evaluation: a `Decision` is 400 bytes, and building one per branch
//! made the compiler copy the chosen one out with a `memcpy` on every
//! request; a host with its own record (the C ABI) is written directly.

use crate::acrh;
use crate::decision::{names, Decision, DecisionSink, Header, Kind};
use crate::origin;
use crate::request::{Field, RequestView};
use crate::scan::{scan_head, ScanError};
use crate::syntax::is_token;
use crate::{Policy, Reason};

const VARY_ACTUAL: &[u8] = b"Origin";
const VARY_PREFLIGHT: &[u8] =
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
const VARY_PREFLIGHT_PNA: &[u8] =
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
Access-Control-Request-Private-Network";

/// What `Access-Control-Allow-Origin` will say.
enum Acao<'a> {
    Star,
    Echo(&'a [u8]),
}

/// Report-only mode: the kind and reason reach the sink, the status and
/// the headers do not.
struct Quiet<'s, S>(&'s mut S);

impl<'a, S: DecisionSink<'a>> DecisionSink<'a> for Quiet<'_, S> {
    #[inline(always)]
    fn begin(&mut self, kind: Kind, reason: Reason) {
        self.0.begin(kind, reason);
    }

    #[inline(always)]
    fn set_status(&mut self, _: u16) {}

    #[inline(always)]
    fn push(&mut self, _: Header<'a>) {}
}

/// The outcome for a raw head that could not be framed.
fn unframed<'a>(d: &mut impl DecisionSink<'a>, reason: Reason, status: u16) {
    d.begin(Kind::NotCors, reason);
    d.set_status(status);
    push(d, names::VARY, VARY_ACTUAL);
}

#[inline(always)]
fn push<'a>(d: &mut impl DecisionSink<'a>, name: &'static str, value: &'a [u8]) {
    d.push(Header { name, value });
}

impl Policy {
    /// Evaluates a raw HTTP/1.x request head (request line, header lines,
    /// terminating empty line; anything after it is ignored).
    ///
    /// A head that is not well-framed gives a `not_cors` decision with reason
    /// `malformed_request` (proposed status 400) or `request_too_large`
    /// (431), and no CORS headers.
    pub fn evaluate_head<'a>(&'a self, head: &'a [u8]) -> Decision<'a> {
        let mut d = Decision::default();
        self.evaluate_head_into(head, &mut d);
        d
    }

    /// Like [`evaluate_head`](Policy::evaluate_head), writing the outcome
    /// into a [`DecisionSink`].
    pub fn evaluate_head_into<'a>(&'a self, head: &'a [u8], out: &mut impl DecisionSink<'a>) {
        match scan_head(head) {
            Ok(view) => self.evaluate_view_into(&view, out),
            Err(e) => {
                let (reason, status) = match e {
                    ScanError::Malformed => (Reason::MalformedRequest, 400),
                    ScanError::TooLarge => (Reason::RequestTooLarge, 431),
                };
                if self.report_only {
                    unframed(&mut Quiet(out), reason, status);
                } else {
                    unframed(out, reason, status);
                }
            }
        }
    }

    /// Evaluates a request given as its method and a header list, as HTTP/2
    /// and HTTP/3 servers, Go and Python hold them. Names are matched ASCII
    /// case-insensitively; values are trimmed of optional whitespace.
    pub fn evaluate<'a>(
        &'a self,
        method: &'a [u8],
        headers: &[(&'a [u8], &'a [u8])],
    ) -> Decision<'a> {
        self.evaluate_iter(method, headers.iter().copied())
    }

    /// Like [`evaluate`](Policy::evaluate), from any iterator of pairs.
    pub fn evaluate_iter<'a, I>(&'a self, method: &'a [u8], headers: I) -> Decision<'a>
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        self.evaluate_view(&RequestView::from_headers(method, headers))
    }

    /// Evaluates a pre-extracted [`RequestView`].
    #[inline]
    pub fn evaluate_view<'a>(&'a self, v: &RequestView<'a>) -> Decision<'a> {
        let mut d = Decision::default();
        self.evaluate_view_into(v, &mut d);
        d
    }

    /// Like [`evaluate_view`](Policy::evaluate_view), writing the outcome
    /// into `out` as it is worked out: a [`Decision`] the caller keeps (its
    /// previous contents are replaced), or a host's own record through a
    /// [`DecisionSink`]. A `Decision` is about 400 bytes, and returning one
    /// by value, or copying one into another record, costs a copy on every
    /// request.
    #[inline]
    pub fn evaluate_view_into<'a>(&'a self, v: &RequestView<'a>, out: &mut impl DecisionSink<'a>) {
        if self.report_only {
            self.decide(v, &mut Quiet(out));
        } else {
            self.decide(v, out);
        }
    }

    /// Whether a bare `Origin` value would be admitted by this policy.
    pub fn origin_allowed(&self, origin: &[u8]) -> bool {
        self.match_origin(origin).is_ok()
    }

    fn vary_preflight(&self) -> &'static [u8] {
        if self.private_network {
            VARY_PREFLIGHT_PNA
        } else {
            VARY_PREFLIGHT
        }
    }

    /// Writes the outcome for `v` into `d`: `begin` once, on every path.
    #[inline(always)]
    fn decide<'a>(&'a self, v: &RequestView<'a>, d: &mut impl DecisionSink<'a>) {
        if !v.origin.is_present() {
            d.begin(Kind::NotCors, Reason::NoOrigin);
            push(d, names::VARY, VARY_ACTUAL);
            return;
        }
        let preflight = v.method == b"OPTIONS"
            && match v.request_method {
                Field::One(m) => !m.is_empty(),
                Field::Repeated => true,
                Field::Absent => false,
            };
        let kind = if preflight {
            Kind::Preflight
        } else {
            Kind::Actual
        };
        let acao = match v.origin {
            Field::One(o) => match self.match_origin(o) {
                Ok(acao) => acao,
                Err(reason) => return self.deny(d, kind, reason),
            },
            _ => return self.deny(d, kind, Reason::InvalidOrigin),
        };
        if preflight {
            self.preflight(v, acao, d);
        } else {
            d.begin(Kind::Actual, Reason::Ok);
            self.push_origin(d, acao);
            if let Some(expose) = &self.expose {
                push(d, names::EXPOSE_HEADERS, expose);
            }
            push(d, names::VARY, VARY_ACTUAL);
        }
    }

    #[inline(always)]
    fn preflight<'a>(&'a self, v: &RequestView<'a>, acao: Acao<'a>, d: &mut impl DecisionSink<'a>) {
        let Field::One(method) = v.request_method else {
            return self.deny(d, Kind::Preflight, Reason::MethodNotAllowed);
        };
        let allow_methods: Option<&'a [u8]> = if matches!(method, b"GET" | b"HEAD" | b"POST") {
            // CORS-safelisted: the browser needs no Access-Control-Allow-Methods.
            None
        } else if self.methods.contains(method) {
            // Listed methods are tokens: a hit proves the syntax.
            Some(method)
        } else if !is_token(method) {
            return self.deny(d, Kind::Preflight, Reason::MethodNotAllowed);
        } else if self.any_method {
            Some(if self.credentials { method } else { b"*" })
        } else {
            return self.deny(d, Kind::Preflight, Reason::MethodNotAllowed);
        };
        let Some(requested) = acrh::check(&v.request_headers, self) else {
            return self.deny(d, Kind::Preflight, Reason::HeaderNotAllowed);
        };
        let private_network = match v.request_private_network {
            Field::One(b"true") => true,
            Field::Repeated => {
                return self.deny(d, Kind::Preflight, Reason::PrivateNetworkNotAllowed)
            }
            _ => false,
        };
        if private_network && !self.private_network {
            return self.deny(d, Kind::Preflight, Reason::PrivateNetworkNotAllowed);
        }

        d.begin(Kind::Preflight, Reason::Ok);
        d.set_status(self.preflight_status);
        self.push_origin(d, acao);
        if let Some(m) = allow_methods {
            push(d, names::ALLOW_METHODS, m);
        }
        if requested.any() {
            if self.any_header && !self.credentials && !requested.authorization {
                push(d, names::ALLOW_HEADERS, b"*");
            } else {
                for (i, line) in v.request_headers.lines().iter().enumerate() {
                    if requested.lines_with_names & (1 << i) != 0 {
                        push(d, names::ALLOW_HEADERS, line);
                    }
                }
            }
        }
        if let Some(age) = &self.max_age {
            push(d, names::MAX_AGE, age);
        }
        if private_network {
            push(d, names::ALLOW_PRIVATE_NETWORK, b"true");
        }
        push(d, names::VARY, self.vary_preflight());
    }

    #[inline(always)]
    fn push_origin<'a>(&self, d: &mut impl DecisionSink<'a>, acao: Acao<'a>) {
        match acao {
            Acao::Star => push(d, names::ALLOW_ORIGIN, b"*"),
            Acao::Echo(o) => push(d, names::ALLOW_ORIGIN, o),
        }
        if self.credentials {
            push(d, names::ALLOW_CREDENTIALS, b"true");
        }
    }

    #[inline(always)]
    fn deny<'a>(&self, d: &mut impl DecisionSink<'a>, kind: Kind, reason: Reason) {
        d.begin(kind, reason);
        if kind == Kind::Preflight {
            if !self.forward_denied {
                d.set_status(403);
            }
            push(d, names::VARY, self.vary_preflight());
        } else {
            push(d, names::VARY, VARY_ACTUAL);
        }
    }

    #[inline(always)]
    fn match_origin<'a>(&self, o: &'a [u8]) -> Result<Acao<'a>, Reason> {
        if o == b"null" {
            return if self.allow_null {
                Ok(Acao::Echo(o))
            } else if self.any_origin {
                Ok(Acao::Star)
            } else {
                Err(Reason::OriginNotAllowed)
            };
        }
        if !self.any_origin && self.origins.contains_exact(o) {
            return Ok(Acao::Echo(o));
        }
        let Some(parsed) = origin::parse(o) else {
            return Err(Reason::InvalidOrigin);
        };
        if self.any_origin {
            Ok(Acao::Star)
        } else if self.origins.allows_pattern(&parsed) {
            Ok(Acao::Echo(o))
        } else {
            Err(Reason::OriginNotAllowed)
        }
    }
}
