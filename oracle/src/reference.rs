//! A deliberately simple CORS evaluator, written from `docs/semantics.md`
//! as the oracle for differential tests and fuzzing. It favours obviousness over
//! speed: owned strings, linear scans, one step per documented rule.
//!
//! Where semantics.md is silent, the choice made here is marked `Silent:`.

use corsgate::{Kind, Reason};

use crate::config::Config;
use crate::head::{is_token, trim_ows as trim};
use crate::origin::{origin_ok, pattern_allows};

/// The reference's answer, comparable with a `corsgate::Decision`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefDecision {
    pub kind: Kind,
    pub reason: Reason,
    pub status: u16,
    pub headers: Vec<(&'static str, Vec<u8>)>,
}

impl RefDecision {
    pub fn allowed(&self) -> bool {
        self.reason == Reason::Ok
    }
}

const VARY_ACTUAL: &str = "Origin";
const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// The policy, normalised the way semantics.md says the build does it.
pub struct RefPolicy {
    cfg: Config,
    methods: Vec<String>,
    headers: Vec<String>,
    any_method: bool,
    any_header: bool,
    expose: Option<String>,
}

impl RefPolicy {
    /// `cfg` must be a configuration the engine accepted.
    pub fn new(cfg: &Config) -> RefPolicy {
        const UPPER: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
        let methods = cfg
            .methods
            .iter()
            .map(|m| match UPPER.iter().find(|u| u.eq_ignore_ascii_case(m)) {
                Some(u) => u.to_string(),
                None => m.clone(),
            })
            .collect();
        let headers = cfg
            .request_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        // Silent: `*` among named exposed headers; like the engine, `*` wins.
        let expose = if cfg.expose_headers.iter().any(|h| h == "*") {
            Some("*".to_string())
        } else {
            let mut names: Vec<String> = Vec::new();
            for h in &cfg.expose_headers {
                let h = h.to_ascii_lowercase();
                if !names.contains(&h) {
                    names.push(h);
                }
            }
            (!names.is_empty()).then(|| names.join(", "))
        };
        RefPolicy {
            methods,
            headers,
            any_method: cfg.methods.iter().any(|m| m == "*"),
            any_header: cfg.request_headers.iter().any(|h| h == "*"),
            expose,
            cfg: cfg.clone(),
        }
    }

    fn vary_preflight(&self) -> String {
        if self.cfg.private_network {
            format!("{VARY_PREFLIGHT}, Access-Control-Request-Private-Network")
        } else {
            VARY_PREFLIGHT.to_string()
        }
    }

    /// Whether the policy admits `origin` (any bytes), and what ACAO says.
    pub fn admit(&self, origin: &[u8]) -> Result<Vec<u8>, Reason> {
        let star = self.cfg.origins.iter().any(|p| p == "*");
        if origin == b"null" {
            let null_listed =
                self.cfg.allow_null_origin && self.cfg.origins.iter().any(|p| p == "null");
            return if null_listed {
                Ok(b"null".to_vec())
            } else if star {
                Ok(b"*".to_vec())
            } else {
                Err(Reason::OriginNotAllowed)
            };
        }
        if !origin_ok(origin) {
            return Err(Reason::InvalidOrigin);
        }
        if star {
            Ok(b"*".to_vec())
        } else if self
            .cfg
            .origins
            .iter()
            .any(|p| p != "null" && pattern_allows(p, origin))
        {
            Ok(origin.to_vec())
        } else {
            Err(Reason::OriginNotAllowed)
        }
    }

    fn deny(&self, kind: Kind, reason: Reason) -> RefDecision {
        let (status, vary) = if kind == Kind::Preflight {
            (
                if self.cfg.forward_denied { 0 } else { 403 },
                self.vary_preflight(),
            )
        } else {
            (0, VARY_ACTUAL.to_string())
        };
        self.finish(RefDecision {
            kind,
            reason,
            status,
            headers: vec![("Vary", vary.into_bytes())],
        })
    }

    fn finish(&self, mut d: RefDecision) -> RefDecision {
        if self.cfg.report_only {
            d.headers.clear();
            d.status = 0;
        }
        d
    }

    /// Evaluates a request given as a method and a header list.
    pub fn evaluate(&self, method: &[u8], fields: &[(&[u8], &[u8])]) -> RefDecision {
        let values = |name: &str| -> Vec<&[u8]> {
            fields
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
                .map(|(_, v)| trim(v))
                .collect()
        };
        let origins = values("origin");
        let acrm = values("access-control-request-method");
        let acrh = values("access-control-request-headers");
        // semantics.md: the byte cap counts the values as handed over,
        // before trimming, but for one leading space or tab per line (the
        // separator of `Name: value`).
        let acrh_bytes: usize = fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(b"access-control-request-headers"))
            .map(|(_, v)| match v.first() {
                Some(b' ' | b'\t') => v.len() - 1,
                _ => v.len(),
            })
            .sum();
        let acrpn = values("access-control-request-private-network");

        if origins.is_empty() {
            return self.finish(RefDecision {
                kind: Kind::NotCors,
                reason: Reason::NoOrigin,
                status: 0,
                headers: vec![("Vary", VARY_ACTUAL.into())],
            });
        }
        let preflight =
            method == b"OPTIONS" && (acrm.len() > 1 || acrm.first().is_some_and(|m| !m.is_empty()));
        let kind = if preflight {
            Kind::Preflight
        } else {
            Kind::Actual
        };
        let acao = match origins.as_slice() {
            [one] => match self.admit(one) {
                Ok(acao) => acao,
                Err(reason) => return self.deny(kind, reason),
            },
            _ => return self.deny(kind, Reason::InvalidOrigin),
        };
        let mut headers: Vec<(&'static str, Vec<u8>)> = vec![("Access-Control-Allow-Origin", acao)];
        if self.cfg.credentials {
            headers.push(("Access-Control-Allow-Credentials", b"true".to_vec()));
        }
        if !preflight {
            if let Some(e) = &self.expose {
                headers.push(("Access-Control-Expose-Headers", e.clone().into_bytes()));
            }
            headers.push(("Vary", VARY_ACTUAL.into()));
            return self.finish(RefDecision {
                kind,
                reason: Reason::Ok,
                status: 0,
                headers,
            });
        }

        // 2. The requested method.
        let [method] = acrm.as_slice() else {
            return self.deny(kind, Reason::MethodNotAllowed);
        };
        let method_str = String::from_utf8_lossy(method);
        if ["GET", "HEAD", "POST"].contains(&method_str.as_ref()) {
            // Safelisted: no Access-Control-Allow-Methods.
        } else if !is_token(method) {
            return self.deny(kind, Reason::MethodNotAllowed);
        } else if self.methods.iter().any(|m| m.as_bytes() == *method) {
            headers.push(("Access-Control-Allow-Methods", method.to_vec()));
        } else if self.any_method {
            let v = if self.cfg.credentials {
                method.to_vec()
            } else {
                b"*".to_vec()
            };
            headers.push(("Access-Control-Allow-Methods", v));
        } else {
            return self.deny(kind, Reason::MethodNotAllowed);
        }

        // 3. The requested headers: every line is one list.
        let Some((lines_with_names, authorization)) = self.check_acrh(&acrh, acrh_bytes) else {
            return self.deny(kind, Reason::HeaderNotAllowed);
        };

        // 4. Private network access.
        let pna = match acrpn.as_slice() {
            [] => false,
            [one] => *one == b"true",
            _ => return self.deny(kind, Reason::PrivateNetworkNotAllowed),
        };
        if pna && !self.cfg.private_network {
            return self.deny(kind, Reason::PrivateNetworkNotAllowed);
        }

        if !lines_with_names.is_empty() {
            if self.any_header && !self.cfg.credentials && !authorization {
                headers.push(("Access-Control-Allow-Headers", b"*".to_vec()));
            } else {
                for line in lines_with_names {
                    headers.push(("Access-Control-Allow-Headers", line.to_vec()));
                }
            }
        }
        if let Some(age) = self.cfg.max_age {
            headers.push(("Access-Control-Max-Age", age.to_string().into_bytes()));
        }
        if pna {
            headers.push(("Access-Control-Allow-Private-Network", b"true".to_vec()));
        }
        headers.push(("Vary", self.vary_preflight().into_bytes()));
        self.finish(RefDecision {
            kind,
            reason: Reason::Ok,
            status: self.cfg.preflight_status as u16,
            headers,
        })
    }

    /// The ACRH rules of semantics.md ("Preflights", 3), given the trimmed
    /// lines and their byte count before trimming. Returns the lines that
    /// hold names and whether `authorization` was requested.
    fn check_acrh<'a>(&self, lines: &[&'a [u8]], bytes: usize) -> Option<(Vec<&'a [u8]>, bool)> {
        if lines.len() > 4 || bytes > 2048 {
            return None;
        }
        let (mut names, mut empties, mut authorization) = (0, 0, false);
        let mut with_names = Vec::new();
        for line in lines {
            let mut has_name = false;
            for element in line.split(|&b| b == b',') {
                let name = trim(element);
                let lead = element
                    .iter()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count();
                let trail = element.len() - lead - name.len();
                if name.is_empty() {
                    empties += 1;
                    // Silent: an empty element's whitespace counts against
                    // the same 2-byte OWS bound as a name's side.
                    if empties > 16 || element.len() > 2 {
                        return None;
                    }
                    continue;
                }
                names += 1;
                let lower = name.to_ascii_lowercase();
                let listed = self
                    .headers
                    .iter()
                    .any(|h| h.as_bytes() == lower.as_slice());
                let wildcard = self.any_header && lower != b"authorization";
                if names > 64 || lead > 2 || trail > 2 || !is_token(name) || !(listed || wildcard) {
                    return None;
                }
                authorization |= lower == b"authorization";
                has_name = true;
            }
            if has_name {
                with_names.push(*line);
            }
        }
        Some((with_names, authorization))
    }
}
