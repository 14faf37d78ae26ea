//! Between `http` types and the engine: the request's CORS fields read in
//! place, decision headers turned into `HeaderName`/`HeaderValue` pairs,
//! and those pairs merged into a response.

use corsgate::{names, Decision, RequestView, MAX_ACRH_LINES};
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::layer::Shared;

/// Not among `http`'s standard names.
const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// How many request values a decision can echo: the origin, the requested
/// method, the request-header lines.
const SOURCES: usize = 2 + MAX_ACRH_LINES;

/// The request's CORS fields as a [`RequestView`], plus the `HeaderValue`s
/// they came from, so that echoed values can be cloned rather than copied.
pub(crate) struct RequestFields<'r> {
    pub(crate) view: RequestView<'r>,
    sources: [Option<&'r HeaderValue>; SOURCES],
    len: usize,
}

impl<'r> RequestFields<'r> {
    /// Reads the fields with one lookup each; the three preflight fields
    /// only for `OPTIONS`, the one method they can matter for.
    pub(crate) fn read(method: &'r Method, headers: &'r HeaderMap) -> Self {
        let mut req = RequestFields {
            view: RequestView::new(method.as_str().as_bytes()),
            sources: [None; SOURCES],
            len: 0,
        };
        for v in headers.get_all(ORIGIN) {
            req.view.origin.add(v.as_bytes());
            req.keep(v);
        }
        if method == Method::OPTIONS {
            for v in headers.get_all(ACCESS_CONTROL_REQUEST_METHOD) {
                req.view.request_method.add(v.as_bytes());
                req.keep(v);
            }
            for v in headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS) {
                req.view.request_headers.add(v.as_bytes());
                req.keep(v);
            }
            for v in headers.get_all(ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK) {
                req.view.request_private_network.add(v.as_bytes());
            }
        }
        req
    }

    /// Remembers a value the decision may echo. Past the first few (a
    /// request the engine refuses anyway), values are simply not kept.
    fn keep(&mut self, v: &'r HeaderValue) {
        if let Some(slot) = self.sources.get_mut(self.len) {
            *slot = Some(v);
            self.len += 1;
        }
    }

    /// The response value for the decision value `bytes`: a clone of a
    /// value built once per layer or of the request's own value when the
    /// bytes are the same, else a new value (an echo the engine trimmed).
    fn value(&self, shared: &Shared, bytes: &[u8]) -> Option<HeaderValue> {
        let same = |v: &&HeaderValue| v.as_bytes() == bytes;
        if let Some(v) = shared.fixed.iter().find(same) {
            return Some(v.clone());
        }
        if let Some(v) = self.sources.iter().flatten().copied().find(same) {
            return Some(v.clone());
        }
        // Engine output is visible ASCII, SP and HTAB, which `HeaderValue`
        // always accepts.
        HeaderValue::from_bytes(bytes).ok()
    }
}

/// The `http` name of a decision header.
fn header_name(name: &'static str) -> Option<HeaderName> {
    Some(match name {
        names::ALLOW_ORIGIN => ACCESS_CONTROL_ALLOW_ORIGIN,
        names::ALLOW_CREDENTIALS => ACCESS_CONTROL_ALLOW_CREDENTIALS,
        names::ALLOW_METHODS => ACCESS_CONTROL_ALLOW_METHODS,
        names::ALLOW_HEADERS => ACCESS_CONTROL_ALLOW_HEADERS,
        names::MAX_AGE => ACCESS_CONTROL_MAX_AGE,
        names::ALLOW_PRIVATE_NETWORK => ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
        names::EXPOSE_HEADERS => ACCESS_CONTROL_EXPOSE_HEADERS,
        names::VARY => VARY,
        // Every name the engine emits is listed above; a new one still
        // goes out under its own (lower-cased) name.
        other => return HeaderName::from_bytes(other.as_bytes()).ok(),
    })
}

/// The decision's headers, written into a preflight response of our own.
pub(crate) fn write_all(
    shared: &Shared,
    req: &RequestFields<'_>,
    d: &Decision<'_>,
    out: &mut HeaderMap,
) {
    out.reserve(d.headers().len());
    for h in d.headers() {
        if let (Some(name), Some(v)) = (header_name(h.name), req.value(shared, h.value)) {
            out.append(name, v);
        }
    }
}

/// The most headers a decision passed on to a response can hold:
/// `Access-Control-Allow-Origin`, `-Allow-Credentials`, `-Expose-Headers`
/// and `Vary` (an actual request's; a forwarded preflight has `Vary` only).
pub(crate) const CARRIED: usize = 4;

/// The headers to add to the inner service's response.
#[derive(Debug, Default)]
pub(crate) struct Carried {
    pairs: [Option<(HeaderName, HeaderValue)>; CARRIED],
}

impl Carried {
    pub(crate) fn of(shared: &Shared, req: &RequestFields<'_>, d: &Decision<'_>) -> Self {
        // The engine's forwarded decisions never carry more (the vectors
        // replayed through the service check every kind of them).
        debug_assert!(d.headers().len() <= CARRIED, "{:?}", d.headers());
        let mut carried = Carried::default();
        let values = d
            .headers()
            .iter()
            .filter_map(|h| Some((header_name(h.name)?, req.value(shared, h.value)?)));
        for (slot, pair) in carried.pairs.iter_mut().zip(values) {
            *slot = Some(pair);
        }
        carried
    }

    /// Adds the headers to `out`: the inner service's own CORS headers go
    /// first, and `Vary` is merged. Nothing to add (report-only mode)
    /// leaves the response untouched.
    pub(crate) fn apply(self, out: &mut HeaderMap) {
        if self.pairs.iter().all(Option::is_none) {
            return;
        }
        strip_cors(out);
        out.reserve(CARRIED);
        for (name, value) in self.pairs.into_iter().flatten() {
            if name == VARY {
                append_vary(out, value);
            } else {
                out.append(name, value);
            }
        }
    }
}

const CORS_PREFIX: &str = "access-control-";

fn is_cors(name: &HeaderName) -> bool {
    name.as_str().starts_with(CORS_PREFIX)
}

/// Removes every `Access-Control-*` header: the policy is their only
/// source, so a response never carries two `Access-Control-Allow-Origin`
/// or one the policy did not grant.
fn strip_cors(out: &mut HeaderMap) {
    // Names are looked for first, so that the usual response (none) costs
    // one pass over its names and no removal.
    while let Some(name) = out.keys().find(|n| is_cors(n)).cloned() {
        out.remove(&name);
    }
}

/// Adds the tokens of `ours` to the response's `Vary`: as the header when
/// there is none; appended to the first line when some are missing; not at
/// all when every token is there already or the response varies on `*`.
fn append_vary(out: &mut HeaderMap, ours: HeaderValue) {
    if !out.contains_key(VARY) {
        out.insert(VARY, ours);
        return;
    }
    let present: Vec<&[u8]> = out
        .get_all(VARY)
        .iter()
        .flat_map(|v| tokens(v.as_bytes()))
        .collect();
    if present.iter().any(|t| *t == b"*") {
        return;
    }
    let missing: Vec<&[u8]> = tokens(ours.as_bytes())
        .filter(|t| !present.iter().any(|p| p.eq_ignore_ascii_case(t)))
        .collect();
    if missing.is_empty() {
        return;
    }
    let Some(first) = out.get(VARY) else { return };
    let mut merged = trim(first.as_bytes()).to_vec();
    for t in missing {
        if !merged.is_empty() {
            merged.extend_from_slice(b", ");
        }
        merged.extend_from_slice(t);
    }
    // Both parts were valid header values, and so is their join.
    if let Ok(v) = HeaderValue::from_bytes(&merged) {
        if let Some(first) = out.get_mut(VARY) {
            *first = v;
        }
    }
}

/// The elements of a comma-separated list, trimmed, empty ones skipped.
fn tokens(list: &[u8]) -> impl Iterator<Item = &[u8]> {
    list.split(|&b| b == b',')
        .map(trim)
        .filter(|t| !t.is_empty())
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary_after(existing: &[&'static str], ours: &'static str) -> Vec<String> {
        let mut map = HeaderMap::new();
        for v in existing {
            map.append(VARY, HeaderValue::from_static(v));
        }
        append_vary(&mut map, HeaderValue::from_static(ours));
        map.get_all(VARY)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn vary_is_appended_never_replaced() {
        assert_eq!(vary_after(&[], "Origin"), ["Origin"]);
        assert_eq!(
            vary_after(&["Accept-Encoding"], "Origin"),
            ["Accept-Encoding, Origin"]
        );
        assert_eq!(
            vary_after(&["accept-encoding", "origin"], "Origin"),
            ["accept-encoding", "origin"]
        );
        assert_eq!(vary_after(&["*"], "Origin"), ["*"]);
        assert_eq!(
            vary_after(
                &["Origin "],
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
            ),
            ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
        );
        assert_eq!(vary_after(&[" "], "Origin"), ["Origin"]);
    }

    #[test]
    fn every_cors_header_of_the_inner_response_is_removed() {
        let mut map = HeaderMap::new();
        map.append(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        map.append(
            ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("https://x"),
        );
        map.append(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("1"));
        map.append("access-control-custom", HeaderValue::from_static("1"));
        map.append("content-type", HeaderValue::from_static("text/plain"));
        strip_cors(&mut map);
        assert_eq!(map.len(), 1);
        assert!(map.contains_key("content-type"));
    }

    #[test]
    fn every_engine_header_name_has_its_http_constant() {
        for name in [
            names::ALLOW_ORIGIN,
            names::ALLOW_CREDENTIALS,
            names::ALLOW_METHODS,
            names::ALLOW_HEADERS,
            names::MAX_AGE,
            names::ALLOW_PRIVATE_NETWORK,
            names::EXPOSE_HEADERS,
            names::VARY,
        ] {
            assert!(header_name(name)
                .unwrap()
                .as_str()
                .eq_ignore_ascii_case(name));
        }
    }
}
