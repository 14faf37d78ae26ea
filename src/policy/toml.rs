//! The TOML policy file: one format for every host.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::builder::{DeniedPreflight, Mode, PolicyBuilder, POLICY_KEYS};
use super::error::{BuildError, BuildErrors, ErrorKind};
use super::Policy;

impl Policy {
    /// Parses, validates and compiles a TOML policy file.
    ///
    /// Every problem is reported at once: TOML type errors, unknown keys and
    /// all policy errors together.
    ///
    /// ```
    /// let policy = corsgate::Policy::from_toml(r#"
    ///     origins = ["https://app.example.com"]
    ///     credentials = true
    /// "#).unwrap();
    /// assert!(policy.credentials());
    /// ```
    pub fn from_toml(text: &str) -> Result<Policy, BuildErrors> {
        let (builder, mut errors) = PolicyBuilder::from_toml(text)?;
        match builder.build() {
            Ok(p) if errors.is_empty() => Ok(p),
            Ok(_) => Err(BuildErrors(errors)),
            Err(build) => {
                // An origins key with the wrong type was already reported; an
                // extra "no origins" would only confuse.
                let origins_reported = errors.iter().any(|e| e.value() == "origins");
                errors.extend(
                    build
                        .into_iter()
                        .filter(|e| !(origins_reported && e.kind() == ErrorKind::NoOrigins)),
                );
                Err(BuildErrors(errors))
            }
        }
    }
}

impl PolicyBuilder {
    /// Reads the settings of a TOML policy file without validating the
    /// policy itself. Returns the builder plus any key-level errors (unknown
    /// keys, wrong types); a TOML syntax error is returned as `Err`.
    pub fn from_toml(text: &str) -> Result<(PolicyBuilder, Vec<BuildError>), BuildErrors> {
        let table: ::toml::Table = text.parse().map_err(|e: ::toml::de::Error| {
            let msg = e.message().to_string();
            let where_ = match e.span() {
                Some(span) => {
                    let line = text
                        .get(..span.start)
                        .map_or(0, |t| t.matches('\n').count())
                        + 1;
                    format!(" (line {line})")
                }
                None => String::new(),
            };
            BuildErrors(alloc::vec![BuildError::new(
                ErrorKind::TomlSyntax,
                "",
                format!("the policy is not valid TOML{where_}: {msg}"),
            )])
        })?;
        let mut b = PolicyBuilder::new();
        let mut errors = Vec::new();
        for (key, value) in &table {
            if let Err(e) = apply(&mut b, key, value) {
                errors.push(e);
            }
        }
        Ok((b, errors))
    }
}

fn wrong_type(key: &str, want: &str, value: &::toml::Value) -> BuildError {
    BuildError::new(
        ErrorKind::WrongType,
        key,
        format!("{key} must be {want}, not {} ({value})", value.type_str()),
    )
}

fn strings(key: &str, value: &::toml::Value) -> Result<Vec<String>, BuildError> {
    let want = "an array of strings";
    let arr = value
        .as_array()
        .ok_or_else(|| wrong_type(key, want, value))?;
    arr.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| wrong_type(key, want, value))
        })
        .collect()
}

fn boolean(key: &str, value: &::toml::Value) -> Result<bool, BuildError> {
    value
        .as_bool()
        .ok_or_else(|| wrong_type(key, "true or false", value))
}

fn integer(key: &str, value: &::toml::Value) -> Result<i64, BuildError> {
    value
        .as_integer()
        .ok_or_else(|| wrong_type(key, "an integer", value))
}

fn choice<T>(
    key: &str,
    value: &::toml::Value,
    parse: fn(&str) -> Option<T>,
    options: &str,
) -> Result<T, BuildError> {
    let s = value
        .as_str()
        .ok_or_else(|| wrong_type(key, "a string", value))?;
    parse(s).ok_or_else(|| {
        BuildError::new(
            ErrorKind::InvalidValue,
            s,
            format!("{key} must be one of {options}, not {s:?}"),
        )
    })
}

fn apply(b: &mut PolicyBuilder, key: &str, value: &::toml::Value) -> Result<(), BuildError> {
    match key {
        "origins" => b.origins = strings(key, value)?,
        "methods" => b.methods = strings(key, value)?,
        "request_headers" => b.request_headers = strings(key, value)?,
        "expose_headers" => b.expose_headers = strings(key, value)?,
        "credentials" => b.credentials = boolean(key, value)?,
        "max_age" => b.max_age = Some(integer(key, value)?),
        "private_network" => b.private_network = boolean(key, value)?,
        "preflight_status" => b.preflight_status = integer(key, value)?,
        "denied_preflight" => {
            b.denied_preflight = choice(
                key,
                value,
                DeniedPreflight::from_name,
                "\"reject\", \"forward\"",
            )?
        }
        "mode" => b.mode = choice(key, value, Mode::from_name, "\"enforce\", \"report-only\"")?,
        "dangerously_allow_insecure_origins" => b.allow_insecure_origins = boolean(key, value)?,
        "dangerously_allow_public_suffix_subdomains" => {
            b.allow_public_suffix_subdomains = boolean(key, value)?
        }
        "dangerously_allow_null_origin" => b.allow_null_origin = boolean(key, value)?,
        _ => {
            let hint = POLICY_KEYS
                .iter()
                .find(|k| {
                    k.eq_ignore_ascii_case(key)
                        || k.replace('_', "-") == key
                        || k.trim_end_matches('s') == key
                })
                .map(|k| format!("; did you mean {k:?}?"))
                .unwrap_or_default();
            return Err(BuildError::new(
                ErrorKind::UnknownKey,
                key,
                format!(
                    "unknown key {key:?}{hint} (known keys: {})",
                    POLICY_KEYS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}
