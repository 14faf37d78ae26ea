//! [`PolicyBuilder`]: one setter per key of the policy file.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The keys of the policy file, in the order the documentation lists them.
///
/// This is the one list of the policy's keys. [`PolicyBuilder`] has a setter
/// for each (named after the key), the TOML reader accepts exactly these, and
/// every host's own spelling (the C builder's setters, nginx's directives,
/// Python's keywords, Go's `Config` fields, the README's table) is checked
/// against it by `tests/policy_keys.rs`: add a key here first.
pub const POLICY_KEYS: [&str; 13] = [
    "origins",
    "methods",
    "request_headers",
    "expose_headers",
    "credentials",
    "max_age",
    "private_network",
    "preflight_status",
    "denied_preflight",
    "mode",
    "dangerously_allow_insecure_origins",
    "dangerously_allow_public_suffix_subdomains",
    "dangerously_allow_null_origin",
];

/// What happens to a preflight the policy denies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DeniedPreflight {
    /// Answer it with 403 and no CORS headers (the default).
    #[default]
    Reject,
    /// Let the application answer it (still without CORS headers).
    Forward,
}

impl DeniedPreflight {
    /// The policy-file spelling: `reject` or `forward`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeniedPreflight::Reject => "reject",
            DeniedPreflight::Forward => "forward",
        }
    }

    /// Parses the policy-file spelling.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "reject" => Some(DeniedPreflight::Reject),
            "forward" => Some(DeniedPreflight::Forward),
            _ => None,
        }
    }
}

/// Whether decisions change responses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Decisions carry headers and preflight statuses (the default).
    #[default]
    Enforce,
    /// Decide and report (kind, allowed, reason), but change nothing: no
    /// headers, no status. For rolling out a policy safely.
    ReportOnly,
}

impl Mode {
    /// The policy-file spelling: `enforce` or `report-only`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::ReportOnly => "report-only",
        }
    }

    /// Parses the policy-file spelling.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "enforce" => Some(Mode::Enforce),
            "report-only" => Some(Mode::ReportOnly),
            _ => None,
        }
    }
}

/// Collects a policy's settings; [`build`](PolicyBuilder::build) validates
/// and compiles them. Every setter corresponds to one key of the policy file.
///
/// ```
/// let policy = corsgate::PolicyBuilder::new()
///     .origins(["https://app.example.com", "https://*.example.com"])
///     .methods(["GET", "POST", "PATCH"])
///     .request_headers(["content-type", "authorization"])
///     .credentials(true)
///     .max_age(600)
///     .build()
///     .expect("valid policy");
/// let d = policy.evaluate(b"GET", &[(b"Origin", b"https://app.example.com")]);
/// assert!(d.allowed());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyBuilder {
    pub(crate) origins: Vec<String>,
    pub(crate) methods: Vec<String>,
    pub(crate) request_headers: Vec<String>,
    pub(crate) expose_headers: Vec<String>,
    pub(crate) credentials: bool,
    pub(crate) max_age: Option<i64>,
    pub(crate) private_network: bool,
    pub(crate) preflight_status: i64,
    pub(crate) denied_preflight: DeniedPreflight,
    pub(crate) mode: Mode,
    pub(crate) allow_insecure_origins: bool,
    pub(crate) allow_public_suffix_subdomains: bool,
    pub(crate) allow_null_origin: bool,
}

impl Default for PolicyBuilder {
    fn default() -> Self {
        PolicyBuilder::new()
    }
}

impl PolicyBuilder {
    /// An empty builder. `origins` must be given: there is no default.
    pub fn new() -> Self {
        PolicyBuilder {
            origins: Vec::new(),
            methods: Vec::new(),
            request_headers: Vec::new(),
            expose_headers: Vec::new(),
            credentials: false,
            max_age: None,
            private_network: false,
            preflight_status: 204,
            denied_preflight: DeniedPreflight::Reject,
            mode: Mode::Enforce,
            allow_insecure_origins: false,
            allow_public_suffix_subdomains: false,
            allow_null_origin: false,
        }
    }

    /// Adds one allowed origin or origin pattern (`origins`).
    pub fn origin(mut self, origin: impl AsRef<str>) -> Self {
        self.origins.push(origin.as_ref().to_string());
        self
    }

    /// Adds allowed origins or origin patterns (`origins`).
    pub fn origins<S: AsRef<str>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.origins
            .extend(origins.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Adds allowed methods (`methods`). GET, HEAD and POST are always
    /// allowed; `*` allows any method.
    pub fn methods<S: AsRef<str>>(mut self, methods: impl IntoIterator<Item = S>) -> Self {
        self.methods
            .extend(methods.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Adds allowed request header names (`request_headers`). `*` allows any
    /// name except `authorization`, which must be listed explicitly.
    pub fn request_headers<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.request_headers
            .extend(names.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Adds response header names scripts may read (`expose_headers`).
    pub fn expose_headers<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.expose_headers
            .extend(names.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Allows credentialed requests (`credentials`).
    pub fn credentials(mut self, on: bool) -> Self {
        self.credentials = on;
        self
    }

    /// How long browsers may cache a preflight, 0..=86400 seconds (`max_age`).
    pub fn max_age(mut self, seconds: i64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// Answers Private Network Access preflights (`private_network`).
    pub fn private_network(mut self, on: bool) -> Self {
        self.private_network = on;
        self
    }

    /// The status of an allowed preflight: 204 (default) or 200
    /// (`preflight_status`).
    pub fn preflight_status(mut self, status: i64) -> Self {
        self.preflight_status = status;
        self
    }

    /// What to do with denied preflights (`denied_preflight`).
    pub fn denied_preflight(mut self, what: DeniedPreflight) -> Self {
        self.denied_preflight = what;
        self
    }

    /// Enforce or report only (`mode`).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Allows clear-text (`http://`) non-loopback origins with credentials
    /// (`dangerously_allow_insecure_origins`): anyone on the network path can
    /// forge them.
    pub fn dangerously_allow_insecure_origins(mut self, on: bool) -> Self {
        self.allow_insecure_origins = on;
        self
    }

    /// Allows `*.` patterns over public suffixes with credentials
    /// (`dangerously_allow_public_suffix_subdomains`): anyone can register
    /// such a subdomain.
    pub fn dangerously_allow_public_suffix_subdomains(mut self, on: bool) -> Self {
        self.allow_public_suffix_subdomains = on;
        self
    }

    /// Allows the `null` origin (`dangerously_allow_null_origin`): sandboxed
    /// iframes, `data:` URLs and redirects all send it, so any page can.
    pub fn dangerously_allow_null_origin(mut self, on: bool) -> Self {
        self.allow_null_origin = on;
        self
    }

    /// The origins given so far, as written.
    pub fn origins_list(&self) -> &[String] {
        &self.origins
    }
}
