//! From settings to a compiled [`Policy`]: validation, normalisation and the
//! canary probe.

use alloc::boxed::Box;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::builder::{DeniedPreflight, Mode, PolicyBuilder};
use super::error::{BuildError, BuildErrors, ErrorKind};
use super::pattern::{self, Pattern, PortRule};
use super::public_suffix::{self, Shared};
use super::Policy;
use crate::matcher::{Entry, OriginMatcher, WildPort, WildRule};
use crate::origin::HostKind;
use crate::syntax::is_token;
use crate::table::{AsciiCase, Exact, Table};

/// The longest `max_age` accepted: Firefox's cap (Chromium caps at 7200).
pub const MAX_MAX_AGE: i64 = 86_400;

/// Methods Fetch normalises to upper case (and only those).
const NORMALISED_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
const FORBIDDEN_METHODS: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// Request header names a script can never set (Fetch "forbidden request
/// header"), plus CORS names that make no sense as request headers.
const FORBIDDEN_REQUEST_HEADERS: [&str; 21] = [
    "accept-charset",
    "accept-encoding",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "access-control-allow-origin",
    "access-control-allow-credentials",
];
const FORBIDDEN_REQUEST_PREFIXES: [&str; 3] = ["proxy-", "sec-", "access-control-"];

// `build` lives here rather than in `builder.rs`, so that the settings
// module depends on nothing and this one on the settings only.
impl PolicyBuilder {
    /// Validates and compiles the policy, reporting every problem at once.
    pub fn build(&self) -> Result<Policy, BuildErrors> {
        compile(self)
    }
}

fn compile(b: &PolicyBuilder) -> Result<Policy, BuildErrors> {
    let mut errors = Vec::new();
    let origins = compile_origins(b, &mut errors);
    let (any_method, methods) = compile_methods(&b.methods, &mut errors);
    let (any_header, headers) = compile_request_headers(&b.request_headers, &mut errors);
    let expose = compile_expose(b, &mut errors);
    let max_age = match b.max_age {
        Some(v) if !(0..=MAX_MAX_AGE).contains(&v) => {
            errors.push(BuildError::new(
                ErrorKind::MaxAgeOutOfRange,
                v.to_string(),
                format!("max_age {v} is out of range: use 0..={MAX_MAX_AGE} seconds, or leave it out to send no Access-Control-Max-Age"),
            ));
            None
        }
        Some(v) => Some(v.to_string().into_bytes().into_boxed_slice()),
        None => None,
    };
    let preflight_status = match b.preflight_status {
        200 => 200,
        204 => 204,
        other => {
            errors.push(BuildError::new(
                ErrorKind::InvalidPreflightStatus,
                other.to_string(),
                format!("preflight_status {other} is not allowed: use 204 (the default) or 200"),
            ));
            204
        }
    };
    if !errors.is_empty() {
        return Err(BuildErrors(errors));
    }
    let policy = Policy {
        any_origin: origins.any,
        allow_null: origins.null,
        origins: OriginMatcher::new(origins.entries),
        credentials: b.credentials,
        any_method,
        methods,
        any_header,
        authorization: headers.get(b"authorization"),
        headers,
        expose,
        max_age,
        private_network: b.private_network,
        preflight_status,
        forward_denied: b.denied_preflight == DeniedPreflight::Forward,
        report_only: b.mode == Mode::ReportOnly,
        settings: b.clone(),
    };
    if b.credentials {
        probe_canaries(&policy, b, &origins.domains, &mut errors);
    }
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(BuildErrors(errors))
    }
}

/// The origin list, compiled.
struct Origins {
    entries: Vec<Entry>,
    /// `*` is listed.
    any: bool,
    /// `null` is listed (and opted in).
    null: bool,
    /// The scheme and host of every accepted domain pattern, for the canary
    /// probe.
    domains: Vec<(String, String)>,
}

fn compile_origins(b: &PolicyBuilder, errors: &mut Vec<BuildError>) -> Origins {
    let mut entries = Vec::new();
    let mut domains = Vec::new();
    let (mut any, mut null) = (false, false);
    if b.origins.is_empty() {
        errors.push(BuildError::new(
            ErrorKind::NoOrigins,
            "",
            "origins is empty: list the origins allowed to call this service (there is no default)",
        ));
    }
    for raw in &b.origins {
        let p = match pattern::parse(raw) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match p {
            Pattern::Any => {
                if b.credentials {
                    errors.push(BuildError::new(
                        ErrorKind::WildcardWithCredentials,
                        raw.as_str(),
                        "origin \"*\" cannot be combined with credentials = true: browsers refuse it, and reflecting \
                         any origin instead would let every site read your users' data; list the origins",
                    ));
                }
                any = true;
            }
            Pattern::Null => {
                if b.allow_null_origin {
                    null = true;
                } else {
                    errors.push(BuildError::new(
                        ErrorKind::NullOrigin,
                        raw.as_str(),
                        "origin \"null\" is sent by sandboxed iframes, data: URLs and redirects, so any page can \
                         claim it; set dangerously_allow_null_origin = true if you really mean it",
                    ));
                }
            }
            Pattern::Origin {
                ref scheme,
                ref host,
                host_kind,
                subdomains,
                ref port,
            } => {
                let mut refused = false;
                if b.credentials
                    && !b.allow_insecure_origins
                    && pattern::is_insecure(scheme, host, host_kind)
                {
                    refused = true;
                    errors.push(BuildError::new(
                        ErrorKind::InsecureOrigin,
                        raw.as_str(),
                        format!(
                            "origin {raw:?} is not https and not loopback: with credentials, anyone on the network \
                             path could forge it; use https or set dangerously_allow_insecure_origins = true"
                        ),
                    ));
                }
                let shared = if b.credentials && subdomains && !b.allow_public_suffix_subdomains {
                    public_suffix::shared(host)
                } else {
                    None
                };
                if let Some(why) = shared {
                    refused = true;
                    let what = match why {
                        Shared::Suffix => format!("{host:?} is a public suffix"),
                        Shared::SuffixesUnder => {
                            format!("every name directly under {host:?} is a public suffix")
                        }
                    };
                    errors.push(BuildError::new(
                        ErrorKind::PublicSuffixWildcard,
                        raw.as_str(),
                        format!(
                            "origin {raw:?} admits names anyone can register ({what}, by the Public Suffix \
                             List); name your own domain, or set dangerously_allow_public_suffix_subdomains = true"
                        ),
                    ));
                }
                if !refused {
                    entries.push(entry_for(&p, scheme, host, subdomains, port));
                    if host_kind == HostKind::Domain {
                        domains.push((scheme.clone(), host.clone()));
                    }
                }
            }
        }
    }
    Origins {
        entries,
        any,
        null,
        domains,
    }
}

fn entry_for(p: &Pattern, scheme: &str, host: &str, subdomains: bool, port: &PortRule) -> Entry {
    if subdomains {
        let port = match port {
            PortRule::Default => WildPort::Default,
            PortRule::Exact(d) => WildPort::Exact(d.as_bytes().into()),
            PortRule::Any => WildPort::Any,
        };
        return Entry::Subdomains {
            suffix: host.as_bytes().into(),
            rule: WildRule {
                scheme: scheme.as_bytes().into(),
                port,
            },
        };
    }
    match p.exact() {
        Some(exact) => Entry::Exact(exact.into_bytes().into_boxed_slice()),
        None => Entry::AnyPort(format!("{scheme}://{host}").into_bytes().into_boxed_slice()),
    }
}

fn compile_methods(methods: &[String], errors: &mut Vec<BuildError>) -> (bool, Table<Exact>) {
    let mut any = false;
    let mut keys: Vec<Box<[u8]>> = Vec::new();
    for m in methods {
        if m == "*" {
            any = true;
            continue;
        }
        if !is_token(m.as_bytes()) {
            errors.push(BuildError::new(
                ErrorKind::InvalidMethod,
                m.as_str(),
                format!("method {m:?} is not a valid HTTP method token"),
            ));
            continue;
        }
        if FORBIDDEN_METHODS.iter().any(|f| f.eq_ignore_ascii_case(m)) {
            errors.push(BuildError::new(
                ErrorKind::ForbiddenMethod,
                m.as_str(),
                format!("method {m:?} is forbidden by the Fetch standard: browsers never send it cross-origin"),
            ));
            continue;
        }
        // Fetch upper-cases these six (and only these) before sending.
        let normalised = NORMALISED_METHODS
            .iter()
            .find(|n| n.eq_ignore_ascii_case(m))
            .map_or_else(|| m.clone(), |n| n.to_string());
        keys.push(normalised.into_bytes().into_boxed_slice());
    }
    (any, Table::new(keys))
}

fn compile_request_headers(
    names: &[String],
    errors: &mut Vec<BuildError>,
) -> (bool, Table<AsciiCase>) {
    let mut any = false;
    let mut keys: Vec<Box<[u8]>> = Vec::new();
    for n in names {
        if n == "*" {
            any = true;
            continue;
        }
        if !is_token(n.as_bytes()) {
            errors.push(BuildError::new(
                ErrorKind::InvalidHeaderName,
                n.as_str(),
                format!("request header {n:?} is not a valid header name"),
            ));
            continue;
        }
        let lower = n.to_ascii_lowercase();
        let forbidden = FORBIDDEN_REQUEST_HEADERS.contains(&lower.as_str())
            || FORBIDDEN_REQUEST_PREFIXES
                .iter()
                .any(|p| lower.starts_with(p));
        if forbidden {
            errors.push(BuildError::new(
                ErrorKind::ForbiddenRequestHeader,
                n.as_str(),
                format!("request header {n:?} can never be set by a script (or is a CORS response header), so allowing it is meaningless"),
            ));
            continue;
        }
        keys.push(lower.into_bytes().into_boxed_slice());
    }
    (any, Table::new(keys))
}

fn compile_expose(b: &PolicyBuilder, errors: &mut Vec<BuildError>) -> Option<Box<[u8]>> {
    let mut any = false;
    let mut names: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for n in &b.expose_headers {
        if n == "*" {
            if b.credentials {
                errors.push(BuildError::new(
                    ErrorKind::WildcardExposeWithCredentials,
                    n.as_str(),
                    "expose_headers \"*\" cannot be combined with credentials = true: browsers then read it as a \
                     header literally named \"*\"; list the headers",
                ));
            }
            any = true;
            continue;
        }
        if !is_token(n.as_bytes()) {
            errors.push(BuildError::new(
                ErrorKind::InvalidHeaderName,
                n.as_str(),
                format!("exposed header {n:?} is not a valid header name"),
            ));
            continue;
        }
        let lower = n.to_ascii_lowercase();
        if lower == "set-cookie" || lower == "set-cookie2" || lower.starts_with("access-control-") {
            errors.push(BuildError::new(
                ErrorKind::ForbiddenExposedHeader,
                n.as_str(),
                format!("header {n:?} cannot be exposed: browsers never let scripts read it"),
            ));
            continue;
        }
        if seen.insert(lower.clone()) {
            names.push(lower);
        }
    }
    if any {
        Some(Box::from(&b"*"[..]))
    } else if names.is_empty() {
        None
    } else {
        Some(names.join(", ").into_bytes().into_boxed_slice())
    }
}

/// The last line of defence against pattern bugs, for credentialed
/// policies. Fixed canaries (`https://attacker.invalid`, `null`, …) must
/// never be admitted. Canaries derived from each configured domain
/// (`domains`: scheme and host; prefix, suffix and scheme mutations) must
/// not be admitted unless the plain string reading of the patterns, written
/// independently of the matcher below, admits them too.
fn probe_canaries(
    policy: &Policy,
    b: &PolicyBuilder,
    domains: &[(String, String)],
    errors: &mut Vec<BuildError>,
) {
    let mut hits: Vec<String> = [
        "https://attacker.invalid",
        "http://attacker.invalid",
        "https://attacker.invalid:8443",
    ]
    .into_iter()
    .chain((!b.allow_null_origin).then_some("null"))
    .filter(|c| policy.origin_allowed(c.as_bytes()))
    .map(String::from)
    .collect();
    let literal: BTreeSet<&str> = b.origins.iter().map(String::as_str).collect();
    // One buffer for every derived canary, filled by plain appends: a large
    // policy has hundreds of thousands of them, and only the (rare)
    // admitted ones are kept.
    let mut canary = String::new();
    for (scheme, host) in domains {
        let bare = host.strip_suffix('.').unwrap_or(host);
        let https = scheme == "https";
        let forms: [&[&str]; 5] = [
            &[scheme, "://", bare, ".attacker.invalid"],
            &[scheme, "://attacker", bare],
            &[scheme, "://attacker-", bare],
            &[scheme, "://", bare, ":1"],
            // The clear-text twin of an https origin.
            if https { &["http://", bare] } else { &[] },
        ];
        for parts in forms.into_iter().filter(|p| !p.is_empty()) {
            canary.clear();
            parts.iter().for_each(|p| canary.push_str(p));
            if policy.origin_allowed(canary.as_bytes()) && !naive_admits(&literal, &canary) {
                hits.push(canary.clone());
            }
        }
    }
    for c in hits {
        errors.push(BuildError::new(
            ErrorKind::CanaryAllowed,
            c.as_str(),
            format!(
                "this credentialed policy admits the canary origin {c:?}, which none of its patterns, read \
                 literally, admits: some origin pattern matches far more than it appears to"
            ),
        ));
    }
}

/// Whether some pattern, read as a plain string, admits `origin`: the
/// pattern is `*`, the origin itself, or `scheme://` + the origin's host or
/// `*.` over the host minus one or more leading labels + the origin's port
/// or `:*`. Those few spellings are looked up in the set of patterns as
/// written, so a canary costs a handful of lookups however many patterns
/// the policy has, and nothing here shares code with the matcher.
///
/// Deliberately separate from the test oracle's matcher
/// (`oracle/src/origin.rs`) too: this one runs in every policy build, in
/// `no_std` + `alloc` as well, where the test crate does not exist, and a
/// probe that shared code with the tests could not catch what they miss.
fn naive_admits(patterns: &BTreeSet<&str>, origin: &str) -> bool {
    if patterns.contains("*") || patterns.contains(origin) {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let (host, port) = rest
        .split_once(':')
        .map_or((rest, None), |(h, p)| (h, Some(p)));
    let mut hosts = alloc::vec![String::from(host)];
    for (dot, _) in host.match_indices('.') {
        // A label must remain in front of the `*.`: never the apex.
        if let Some(suffix) = host.get(dot + 1..).filter(|_| dot > 0) {
            hosts.push(format!("*.{suffix}"));
        }
    }
    let own_port = port.map_or_else(String::new, |p| format!(":{p}"));
    hosts.iter().any(|h| {
        [own_port.as_str(), ":*"]
            .iter()
            .any(|p| patterns.contains(format!("{scheme}://{h}{p}").as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    /// The literal reading by a scan of every pattern, as it was written
    /// before the lookups replaced it.
    fn scan_admits(patterns: &[String], origin: &str) -> bool {
        patterns.iter().any(|p| {
            if p == "*" || p == origin {
                return true;
            }
            let Some((scheme, rest)) = p.split_once("://") else {
                return false;
            };
            let Some(o_rest) = origin
                .strip_prefix(scheme)
                .and_then(|r| r.strip_prefix("://"))
            else {
                return false;
            };
            let (p_host, p_port) = rest
                .split_once(':')
                .map_or((rest, None), |(h, q)| (h, Some(q)));
            let (o_host, o_port) = o_rest
                .split_once(':')
                .map_or((o_rest, None), |(h, q)| (h, Some(q)));
            let host_ok = match p_host.strip_prefix("*.") {
                Some(suffix) => {
                    o_host.len() > suffix.len() + 1 && o_host.ends_with(&format!(".{suffix}"))
                }
                None => o_host == p_host,
            };
            let port_ok = match p_port {
                Some("*") => true,
                other => other == o_port,
            };
            host_ok && port_ok
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The lookups read the patterns exactly as a scan of them does.
        #[test]
        fn literal_reading_agrees_with_a_scan(
            patterns in proptest::collection::vec(
                "(\\*|(https?)://(\\*\\.)?((a|b|ab|x)\\.){0,2}(a|b|c)(:(1|2|\\*))?)",
                0..6,
            ),
            origin in "(https?)://((a|b|ab|x)\\.){0,3}(a|b|c)(:(1|2))?",
        ) {
            let literal: BTreeSet<&str> = patterns.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(
                naive_admits(&literal, &origin),
                scan_admits(&patterns, &origin)
            );
        }
    }
}
