//! Policy settings, as the policy file spells them, shared by the engine
//! (through [`PolicyBuilder`]) and the reference evaluator.

use corsgate::{DeniedPreflight, Mode, PolicyBuilder};

/// One policy, key for key as in the policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub origins: Vec<String>,
    pub methods: Vec<String>,
    pub request_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub credentials: bool,
    pub max_age: Option<i64>,
    pub private_network: bool,
    pub preflight_status: i64,
    pub forward_denied: bool,
    pub report_only: bool,
    pub allow_insecure_origins: bool,
    pub allow_public_suffix_subdomains: bool,
    pub allow_null_origin: bool,
}

impl Default for Config {
    /// The policy file's defaults as docs/semantics.md states them. Spelled
    /// out here rather than read from `PolicyBuilder`, whose defaults look
    /// alike on purpose: a changed default in the engine must show up as a
    /// disagreement with the reference.
    fn default() -> Self {
        Config {
            origins: Vec::new(),
            methods: Vec::new(),
            request_headers: Vec::new(),
            expose_headers: Vec::new(),
            credentials: false,
            max_age: None,
            private_network: false,
            preflight_status: 204,
            forward_denied: false,
            report_only: false,
            allow_insecure_origins: false,
            allow_public_suffix_subdomains: false,
            allow_null_origin: false,
        }
    }
}

impl Config {
    /// The engine's builder for these settings.
    pub fn builder(&self) -> PolicyBuilder {
        let mut b = PolicyBuilder::new()
            .origins(&self.origins)
            .methods(&self.methods)
            .request_headers(&self.request_headers)
            .expose_headers(&self.expose_headers)
            .credentials(self.credentials)
            .private_network(self.private_network)
            .preflight_status(self.preflight_status)
            .denied_preflight(if self.forward_denied {
                DeniedPreflight::Forward
            } else {
                DeniedPreflight::Reject
            })
            .mode(if self.report_only {
                Mode::ReportOnly
            } else {
                Mode::Enforce
            })
            .dangerously_allow_insecure_origins(self.allow_insecure_origins)
            .dangerously_allow_public_suffix_subdomains(self.allow_public_suffix_subdomains)
            .dangerously_allow_null_origin(self.allow_null_origin);
        if let Some(age) = self.max_age {
            b = b.max_age(age);
        }
        b
    }

    /// Reads the settings of a policy file the engine accepted. Returns
    /// `None` when a key has a type the engine should have refused.
    pub fn from_toml(table: &toml::Table) -> Option<Config> {
        let mut c = Config::default();
        let list = |v: &toml::Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        for (key, value) in table {
            match key.as_str() {
                "origins" => c.origins = list(value)?,
                "methods" => c.methods = list(value)?,
                "request_headers" => c.request_headers = list(value)?,
                "expose_headers" => c.expose_headers = list(value)?,
                "credentials" => c.credentials = value.as_bool()?,
                "max_age" => c.max_age = Some(value.as_integer()?),
                "private_network" => c.private_network = value.as_bool()?,
                "preflight_status" => c.preflight_status = value.as_integer()?,
                "denied_preflight" => c.forward_denied = value.as_str()? == "forward",
                "mode" => c.report_only = value.as_str()? == "report-only",
                "dangerously_allow_insecure_origins" => {
                    c.allow_insecure_origins = value.as_bool()?
                }
                "dangerously_allow_public_suffix_subdomains" => {
                    c.allow_public_suffix_subdomains = value.as_bool()?
                }
                "dangerously_allow_null_origin" => c.allow_null_origin = value.as_bool()?,
                _ => return None,
            }
        }
        Some(c)
    }
}
