//! Typed build errors. A policy is refused with every problem at once.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// What is wrong with a policy. The numeric values are stable (the C ABI
/// hands them out); new kinds are only appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The policy file is not valid TOML.
    TomlSyntax = 1,
    /// A key of the policy file is not one corsgate knows.
    UnknownKey = 2,
    /// A key has a value of the wrong type.
    WrongType = 3,
    /// A key has a value outside its allowed set (e.g. `mode = "on"`).
    InvalidValue = 4,
    /// `origins` is empty: there is no implicit default.
    NoOrigins = 10,
    /// `*` (or a pattern that amounts to it) together with credentials.
    WildcardWithCredentials = 11,
    /// `null` without `dangerously_allow_null_origin`.
    NullOrigin = 12,
    /// A non-https, non-loopback origin with credentials, without
    /// `dangerously_allow_insecure_origins`.
    InsecureOrigin = 13,
    /// `*.` over names anyone can register (a public suffix by the Public
    /// Suffix List, or a base with a wildcard rule under it) with
    /// credentials, without `dangerously_allow_public_suffix_subdomains`.
    PublicSuffixWildcard = 14,
    /// A `*` anywhere but a leading `*.` label, a `:*` port or a lone `*`.
    MisplacedWildcard = 15,
    /// A path, query or fragment (a trailing `/` included).
    OriginHasPath = 16,
    /// Userinfo (`user@host`).
    OriginHasUserinfo = 17,
    /// An explicit default port (`:443` on https, `:80` on http): browsers
    /// never send it, so it could never match.
    DefaultPort = 18,
    /// A port that is not 1–65535 in plain digits.
    InvalidPort = 19,
    /// Upper-case letters in the scheme or host: browsers always serialize
    /// lower case, so it could never match.
    UppercaseOrigin = 20,
    /// Non-ASCII characters: write the punycode (`xn--`) form.
    NonAsciiOrigin = 21,
    /// An `xn--` label that is not valid punycode.
    InvalidPunycode = 22,
    /// Anything else that is not a serialized origin.
    InvalidOrigin = 23,
    /// A credentialed policy admitted one of the canary origins that no
    /// configuration should admit: a last line of defence against pattern
    /// bugs.
    CanaryAllowed = 24,
    /// An origin or pattern no browser could send, or whose every match is
    /// longer than a request may carry: a scheme over
    /// [`MAX_SCHEME_BYTES`](crate::MAX_SCHEME_BYTES), a host (for `*.`, the
    /// shortest host it matches) over [`MAX_HOST_BYTES`](crate::MAX_HOST_BYTES),
    /// a label over 63 bytes, or a shortest match over
    /// [`MAX_ORIGIN_BYTES`](crate::MAX_ORIGIN_BYTES). Requests over those
    /// caps are `invalid_origin`, so such an entry could never match.
    OriginTooLong = 25,
    /// A method that is not a token.
    InvalidMethod = 30,
    /// CONNECT, TRACE or TRACK.
    ForbiddenMethod = 31,
    /// A request header name that is not a token.
    InvalidHeaderName = 32,
    /// A request header name browsers never let scripts set (`cookie`,
    /// `host`, `sec-*`, …) or a CORS response header name.
    ForbiddenRequestHeader = 33,
    /// `set-cookie`, `set-cookie2` or an `access-control-*` name as an
    /// exposed header.
    ForbiddenExposedHeader = 34,
    /// `expose_headers = ["*"]` with credentials (browsers read it as the
    /// literal name `*`).
    WildcardExposeWithCredentials = 35,
    /// `max_age` outside 0..=86400.
    MaxAgeOutOfRange = 40,
    /// `preflight_status` other than 200 or 204.
    InvalidPreflightStatus = 41,
}

impl ErrorKind {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::TomlSyntax => "toml_syntax",
            ErrorKind::UnknownKey => "unknown_key",
            ErrorKind::WrongType => "wrong_type",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::NoOrigins => "no_origins",
            ErrorKind::WildcardWithCredentials => "wildcard_with_credentials",
            ErrorKind::NullOrigin => "null_origin",
            ErrorKind::InsecureOrigin => "insecure_origin",
            ErrorKind::PublicSuffixWildcard => "public_suffix_wildcard",
            ErrorKind::MisplacedWildcard => "misplaced_wildcard",
            ErrorKind::OriginHasPath => "origin_has_path",
            ErrorKind::OriginHasUserinfo => "origin_has_userinfo",
            ErrorKind::DefaultPort => "default_port",
            ErrorKind::InvalidPort => "invalid_port",
            ErrorKind::UppercaseOrigin => "uppercase_origin",
            ErrorKind::NonAsciiOrigin => "non_ascii_origin",
            ErrorKind::InvalidPunycode => "invalid_punycode",
            ErrorKind::InvalidOrigin => "invalid_origin",
            ErrorKind::CanaryAllowed => "canary_allowed",
            ErrorKind::OriginTooLong => "origin_too_long",
            ErrorKind::InvalidMethod => "invalid_method",
            ErrorKind::ForbiddenMethod => "forbidden_method",
            ErrorKind::InvalidHeaderName => "invalid_header_name",
            ErrorKind::ForbiddenRequestHeader => "forbidden_request_header",
            ErrorKind::ForbiddenExposedHeader => "forbidden_exposed_header",
            ErrorKind::WildcardExposeWithCredentials => "wildcard_expose_with_credentials",
            ErrorKind::MaxAgeOutOfRange => "max_age_out_of_range",
            ErrorKind::InvalidPreflightStatus => "invalid_preflight_status",
        }
    }

    /// Every kind, in numeric order.
    pub const ALL: [ErrorKind; 28] = [
        ErrorKind::TomlSyntax,
        ErrorKind::UnknownKey,
        ErrorKind::WrongType,
        ErrorKind::InvalidValue,
        ErrorKind::NoOrigins,
        ErrorKind::WildcardWithCredentials,
        ErrorKind::NullOrigin,
        ErrorKind::InsecureOrigin,
        ErrorKind::PublicSuffixWildcard,
        ErrorKind::MisplacedWildcard,
        ErrorKind::OriginHasPath,
        ErrorKind::OriginHasUserinfo,
        ErrorKind::DefaultPort,
        ErrorKind::InvalidPort,
        ErrorKind::UppercaseOrigin,
        ErrorKind::NonAsciiOrigin,
        ErrorKind::InvalidPunycode,
        ErrorKind::InvalidOrigin,
        ErrorKind::CanaryAllowed,
        ErrorKind::OriginTooLong,
        ErrorKind::InvalidMethod,
        ErrorKind::ForbiddenMethod,
        ErrorKind::InvalidHeaderName,
        ErrorKind::ForbiddenRequestHeader,
        ErrorKind::ForbiddenExposedHeader,
        ErrorKind::WildcardExposeWithCredentials,
        ErrorKind::MaxAgeOutOfRange,
        ErrorKind::InvalidPreflightStatus,
    ];

    /// The kind whose [`as_str`](ErrorKind::as_str) name is `name`.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with a policy: its kind, the offending value as written, and
/// a sentence for the person who wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    kind: ErrorKind,
    value: String,
    message: String,
}

impl BuildError {
    pub(crate) fn new(
        kind: ErrorKind,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        BuildError {
            kind,
            value: value.into(),
            message: message.into(),
        }
    }

    /// The typed kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The offending value, as it was written (a key name for key errors).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// A sentence explaining the problem and how to fix it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// Every problem found in a policy, in the order they were found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildErrors(pub(crate) Vec<BuildError>);

impl BuildErrors {
    /// The individual errors (never empty).
    pub fn errors(&self) -> &[BuildError] {
        &self.0
    }

    /// Whether some error has this kind.
    pub fn contains(&self, kind: ErrorKind) -> bool {
        self.0.iter().any(|e| e.kind == kind)
    }
}

impl fmt::Display for BuildErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "invalid CORS policy ({n} error{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BuildErrors {}

#[cfg(feature = "std")]
impl std::error::Error for BuildError {}

impl IntoIterator for BuildErrors {
    type Item = BuildError;
    type IntoIter = alloc::vec::IntoIter<BuildError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
