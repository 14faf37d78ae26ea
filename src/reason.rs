//! Why a request was decided the way it was.

/// The stable reason attached to every [`Decision`](crate::Decision).
///
/// The numeric values and the [`as_str`](Reason::as_str) names are part of the
/// public contract: the C ABI, the nginx `$cors_reason` variable, the Go and
/// Python bindings and access logs all carry them. New reasons are only ever
/// appended; existing ones are never renumbered or renamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Reason {
    /// The request is allowed.
    Ok = 0,
    /// The request carries no `Origin` field: it is not a CORS request.
    NoOrigin = 1,
    /// The `Origin` field is empty, repeated, over-long or not a serialized
    /// origin (for example it has a path, upper-case letters or a default
    /// port spelled out).
    InvalidOrigin = 2,
    /// The origin is well formed but the policy does not admit it.
    OriginNotAllowed = 3,
    /// The preflight asks for a method the policy does not allow, or the
    /// `Access-Control-Request-Method` field is repeated or not a token.
    MethodNotAllowed = 4,
    /// The preflight asks for a request header the policy does not allow, or
    /// the `Access-Control-Request-Headers` list is malformed or exceeds the
    /// documented caps.
    HeaderNotAllowed = 5,
    /// The preflight asks for private-network access and the policy does not
    /// grant it.
    PrivateNetworkNotAllowed = 6,
    /// The raw request head is not well-framed HTTP/1.x (obs-fold, bare CR,
    /// control bytes, whitespace before a colon, no terminating empty line).
    MalformedRequest = 7,
    /// The raw request head is larger than [`MAX_HEAD_BYTES`](crate::MAX_HEAD_BYTES).
    RequestTooLarge = 8,
}

impl Reason {
    /// Every reason, in numeric order.
    pub const ALL: [Reason; 9] = [
        Reason::Ok,
        Reason::NoOrigin,
        Reason::InvalidOrigin,
        Reason::OriginNotAllowed,
        Reason::MethodNotAllowed,
        Reason::HeaderNotAllowed,
        Reason::PrivateNetworkNotAllowed,
        Reason::MalformedRequest,
        Reason::RequestTooLarge,
    ];

    /// The stable snake_case name used in logs, JSON and every binding.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Ok => "ok",
            Reason::NoOrigin => "no_origin",
            Reason::InvalidOrigin => "invalid_origin",
            Reason::OriginNotAllowed => "origin_not_allowed",
            Reason::MethodNotAllowed => "method_not_allowed",
            Reason::HeaderNotAllowed => "header_not_allowed",
            Reason::PrivateNetworkNotAllowed => "private_network_not_allowed",
            Reason::MalformedRequest => "malformed_request",
            Reason::RequestTooLarge => "request_too_large",
        }
    }

    /// The reason with the given numeric code, if there is one.
    pub const fn from_code(code: u8) -> Option<Reason> {
        match code {
            0 => Some(Reason::Ok),
            1 => Some(Reason::NoOrigin),
            2 => Some(Reason::InvalidOrigin),
            3 => Some(Reason::OriginNotAllowed),
            4 => Some(Reason::MethodNotAllowed),
            5 => Some(Reason::HeaderNotAllowed),
            6 => Some(Reason::PrivateNetworkNotAllowed),
            7 => Some(Reason::MalformedRequest),
            8 => Some(Reason::RequestTooLarge),
            _ => None,
        }
    }

    /// The reason whose [`as_str`](Reason::as_str) name is `name`.
    pub fn from_name(name: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl core::fmt::Display for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Reason;
    use std::prelude::rust_2021::*;

    #[test]
    fn codes_and_names_round_trip() {
        for (i, r) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(r as usize, i);
            assert_eq!(Reason::from_code(i as u8), Some(r));
            assert_eq!(Reason::from_name(r.as_str()), Some(r));
        }
        assert_eq!(Reason::from_code(Reason::ALL.len() as u8), None);
    }
}
