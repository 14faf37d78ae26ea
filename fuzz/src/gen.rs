//! Structure-aware inputs: policies and requests built from small pools of
//! the pieces that matter (schemes, labels, ports, `*.` and `:*`, header
//! names, case and whitespace variants, duplicate and split fields), with a
//! raw escape hatch everywhere so nothing is out of reach.

use arbitrary::Arbitrary;

use corsgate_oracle::config::Config;

fn pick<'a>(pool: &[&'a str], i: u8) -> &'a str {
    pool[usize::from(i) % pool.len()]
}

const SCHEMES: [&str; 6] = ["https", "http", "wss", "chrome-extension", "ftp", "HTTPS"];
const LABELS: [&str; 24] = [
    "example",
    "com",
    "app",
    "a",
    "b",
    "xn--bcher-kva",
    "localhost",
    "foo",
    "bar",
    "barfoo",
    "evil",
    "net",
    "org",
    "github",
    "io",
    "co",
    "uk",
    "x_y",
    "-a",
    "A",
    "0x1f",
    "127",
    "1",
    "256",
];
const HOSTS: [&str; 10] = [
    "example.com",
    "app.example.com",
    "localhost",
    "127.0.0.1",
    "[::1]",
    "[2001:db8::1]",
    "foo.com",
    "bar.com",
    "example.com.",
    "[0:0:0:0:0:0:0:1]",
];
const PORTS: [&str; 10] = [
    "8080", "443", "80", "8443", "1", "65535", "65536", "0", "080", "*",
];
const METHODS: [&str; 14] = [
    "OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch", "put", "options",
    "CONNECT", "X-Custom", "*", "",
];
const HEADER_NAMES: [&str; 12] = [
    "content-type",
    "authorization",
    "x-request-id",
    "X-Api-Key",
    "x-a",
    "x-b",
    "*",
    "cookie",
    "sec-foo",
    "Accept",
    "set-cookie",
    "a",
];
const SUFFIXES: [&str; 8] = [
    ".evil.net",
    "evil",
    ":1",
    ".",
    "/",
    "_",
    ", https://evil.net",
    "\0",
];

#[derive(Arbitrary, Debug, Clone)]
pub enum Label {
    Pool(u8),
    Raw(String),
}

impl Label {
    fn text(&self) -> String {
        match self {
            Label::Pool(i) => pick(&LABELS, *i).to_string(),
            Label::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Host {
    Pool(u8),
    Labels(Vec<Label>),
}

#[derive(Arbitrary, Debug, Clone)]
pub struct OriginSpec {
    scheme: u8,
    subdomains: bool,
    host: Host,
    port: Option<u8>,
}

impl OriginSpec {
    fn text(&self, subdomain_label: Option<&Label>) -> String {
        let host = match &self.host {
            Host::Pool(i) => pick(&HOSTS, *i).to_string(),
            Host::Labels(ls) => ls.iter().map(Label::text).collect::<Vec<_>>().join("."),
        };
        let wild = match (self.subdomains, subdomain_label) {
            (false, _) => String::new(),
            (true, None) => "*.".to_string(),
            (true, Some(l)) => format!("{}.", l.text()),
        };
        let port = self
            .port
            .map(|p| format!(":{}", pick(&PORTS, p)))
            .unwrap_or_default();
        format!("{}://{wild}{host}{port}", pick(&SCHEMES, self.scheme))
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum PatternSpec {
    Star,
    Null,
    Origin(OriginSpec),
    Raw(String),
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Name {
    Pool(u8),
    Raw(String),
}

impl Name {
    fn text(&self, pool: &[&str]) -> String {
        match self {
            Name::Pool(i) => pick(pool, *i).to_string(),
            Name::Raw(s) => s.clone(),
        }
    }
}

/// A policy: every key of the policy file.
#[derive(Arbitrary, Debug, Clone)]
pub struct PolicySpec {
    origins: Vec<PatternSpec>,
    methods: Vec<Name>,
    request_headers: Vec<Name>,
    expose_headers: Vec<Name>,
    credentials: bool,
    max_age: Option<u32>,
    private_network: bool,
    status_200: bool,
    forward_denied: bool,
    report_only: bool,
    allow_insecure: bool,
    allow_public_suffix: bool,
    allow_null: bool,
}

impl PolicySpec {
    pub fn config(&self) -> Config {
        Config {
            origins: self
                .origins
                .iter()
                .map(|p| match p {
                    PatternSpec::Star => "*".to_string(),
                    PatternSpec::Null => "null".to_string(),
                    PatternSpec::Origin(o) => o.text(None),
                    PatternSpec::Raw(s) => s.clone(),
                })
                .collect(),
            methods: self.methods.iter().map(|m| m.text(&METHODS)).collect(),
            request_headers: self
                .request_headers
                .iter()
                .map(|h| h.text(&HEADER_NAMES))
                .collect(),
            expose_headers: self
                .expose_headers
                .iter()
                .map(|h| h.text(&HEADER_NAMES))
                .collect(),
            credentials: self.credentials,
            // Mostly in range, sometimes just beyond 86400.
            max_age: self.max_age.map(|a| i64::from(a % 90_000)),
            private_network: self.private_network,
            preflight_status: if self.status_200 { 200 } else { 204 },
            forward_denied: self.forward_denied,
            report_only: self.report_only,
            allow_insecure_origins: self.allow_insecure,
            allow_public_suffix_subdomains: self.allow_public_suffix,
            allow_null_origin: self.allow_null,
        }
    }
}

/// How a request's Origin value is made.
#[derive(Arbitrary, Debug, Clone)]
pub enum OriginValue {
    /// One of the policy's patterns, its `*.` filled with a label, its `:*`
    /// with a pool port or nothing, then optionally damaged.
    FromPattern {
        index: u8,
        label: Label,
        port: Option<u8>,
        suffix: Option<u8>,
        upper: bool,
    },
    Spec(OriginSpec),
    Null,
    Raw(Vec<u8>),
}

impl OriginValue {
    fn bytes(&self, cfg: &Config) -> Vec<u8> {
        match self {
            OriginValue::FromPattern {
                index,
                label,
                port,
                suffix,
                upper,
            } => {
                let Some(p) = cfg
                    .origins
                    .get(usize::from(*index) % cfg.origins.len().max(1))
                else {
                    return b"https://app.example.com".to_vec();
                };
                let mut s = p.replacen("*.", &format!("{}.", label.text()), 1);
                if s.ends_with(":*") {
                    s.truncate(s.len() - 2);
                    if let Some(port) = port {
                        s = format!("{s}:{}", pick(&PORTS, *port));
                    }
                }
                if let Some(i) = suffix {
                    s.push_str(pick(&SUFFIXES, *i));
                }
                if *upper {
                    s = s.to_ascii_uppercase();
                }
                s.into_bytes()
            }
            OriginValue::Spec(o) => o.text(None).into_bytes(),
            OriginValue::Null => b"null".to_vec(),
            OriginValue::Raw(b) => b.clone(),
        }
    }
}

/// One request-headers element, with its surrounding whitespace and the
/// empty elements before it.
#[derive(Arbitrary, Debug, Clone)]
pub struct AcrhItem {
    name: Name,
    lead: u8,
    trail: u8,
    empties_before: u8,
}

#[derive(Arbitrary, Debug, Clone)]
pub enum FieldSpec {
    Origin(OriginValue),
    Acrm(Name),
    Acrh(Vec<AcrhItem>),
    Acrpn(u8),
    Other(u8, Vec<u8>),
    Raw(Vec<u8>, Vec<u8>),
}

/// A field line: which field, the case of its name and the whitespace
/// around its value.
#[derive(Arbitrary, Debug, Clone)]
pub struct FieldLine {
    spec: FieldSpec,
    case: u8,
    ows: u8,
}

fn ows(n: u8) -> &'static str {
    ["", " ", "\t", "  ", " \t ", "   "][usize::from(n) % 6]
}

fn recase(name: &str, case: u8) -> String {
    match case % 4 {
        0 => name.to_string(),
        1 => name.to_ascii_lowercase(),
        2 => name.to_ascii_uppercase(),
        _ => name
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

/// One `(name, value)` field line, owned.
pub type OwnedField = (Vec<u8>, Vec<u8>);

/// A request: method and field lines (duplicates and splits included).
#[derive(Arbitrary, Debug, Clone)]
pub struct RequestSpec {
    method: Name,
    fields: Vec<FieldLine>,
}

impl RequestSpec {
    /// The method and `(name, value)` lines.
    pub fn build(&self, cfg: &Config) -> (Vec<u8>, Vec<OwnedField>) {
        let method = self.method.text(&METHODS).into_bytes();
        let fields = self
            .fields
            .iter()
            .map(|f| {
                let (name, value): (&str, Vec<u8>) = match &f.spec {
                    FieldSpec::Origin(o) => ("Origin", o.bytes(cfg)),
                    FieldSpec::Acrm(m) => (
                        "Access-Control-Request-Method",
                        m.text(&METHODS).into_bytes(),
                    ),
                    FieldSpec::Acrh(items) => {
                        let mut v = String::new();
                        for (i, it) in items.iter().enumerate() {
                            for _ in 0..it.empties_before % 4 {
                                v.push(',');
                            }
                            if i > 0 {
                                v.push(',');
                            }
                            v.push_str(ows(it.lead));
                            v.push_str(&it.name.text(&HEADER_NAMES));
                            v.push_str(ows(it.trail));
                        }
                        ("Access-Control-Request-Headers", v.into_bytes())
                    }
                    FieldSpec::Acrpn(i) => (
                        "Access-Control-Request-Private-Network",
                        pick(&["true", "false", "TRUE", "", "true, true"], *i).into(),
                    ),
                    FieldSpec::Other(i, v) => (
                        pick(
                            &[
                                "Host",
                                "Accept",
                                "Originx",
                                "Access-Control-Request-Methods",
                                "Vary",
                            ],
                            *i,
                        ),
                        v.clone(),
                    ),
                    FieldSpec::Raw(n, v) => {
                        return (n.clone(), v.clone());
                    }
                };
                let pad = ows(f.ows);
                let value = [pad.as_bytes(), &value, pad.as_bytes()].concat();
                (recase(name, f.case).into_bytes(), value)
            })
            .collect();
        (method, fields)
    }
}

/// Origins worth probing a policy with: canaries, its own patterns
/// instantiated, and near misses of each (attacks.md O-02 … O-18).
pub fn probe_origins(patterns: &[String]) -> Vec<Vec<u8>> {
    let mut out: Vec<String> = [
        "null",
        "https://attacker.invalid",
        "http://attacker.invalid",
        "https://app.example.com",
        "http://localhost:3000",
        "https://a.example.com",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in patterns.iter().take(8) {
        if p == "*" || p == "null" || !p.contains("://") {
            continue;
        }
        let base = p.replacen("*.", "a.", 1);
        let base = base
            .strip_suffix(":*")
            .map_or(base.clone(), |b| format!("{b}:8080"));
        let bare = p.replacen("*.", "", 1);
        out.extend([
            base.clone(),
            bare.strip_suffix(":*").unwrap_or(&bare).to_string(),
            format!("{base}.attacker.invalid"),
            format!("{base}_"),
            base.replacen("://", "://x", 1),
            base.replacen("https://", "http://", 1),
            base.to_ascii_uppercase(),
        ]);
    }
    out.into_iter().map(String::into_bytes).collect()
}
