//! The browser request heads of `examples/`, the one copy every test,
//! bench and script reads (CRLF line ends, the browsers' own header order).
//! Benches derive their variants from these with [`crate::head::with_value`]
//! and [`crate::head::without`] rather than keeping edited copies.

use std::path::PathBuf;

/// Chrome 124 preflight (`PUT` with three request headers) from
/// `https://app.example.com`, 14 header lines.
pub const CHROME_PREFLIGHT: &str = include_str!("../../examples/chrome-preflight.http");

/// Chrome 124 GET with client hints and a cookie, from
/// `https://app.example.com`.
pub const CHROME_GET: &str = include_str!("../../examples/chrome-get.http");

/// Firefox 125 credentialed GET with cookies, from `https://app.example.com`.
pub const FIREFOX_GET_COOKIES: &str = include_str!("../../examples/firefox-get-cookies.http");

/// Chrome GET from `https://app.example.com.evil.net`, an origin that only
/// looks like the allowed one.
pub const REJECTED_ORIGIN: &str = include_str!("../../examples/rejected-origin.http");

/// `examples/` at the repository root, for the files read at run time
/// (policies, and the heads from scripts in other languages).
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An editor or a checkout that rewrote line ends would silently turn
    /// every head into a malformed one.
    #[test]
    fn heads_are_crlf_and_terminated() {
        for (name, head) in [
            ("chrome-preflight", CHROME_PREFLIGHT),
            ("chrome-get", CHROME_GET),
            ("firefox-get-cookies", FIREFOX_GET_COOKIES),
            ("rejected-origin", REJECTED_ORIGIN),
        ] {
            assert!(head.ends_with("\r\n\r\n"), "{name} is not terminated");
            assert_eq!(
                head.matches('\n').count(),
                head.matches("\r\n").count(),
                "{name} has a bare LF"
            );
            let (_, fields) = crate::head::split(head.as_bytes()).expect("terminated");
            assert_eq!(crate::head::values(&fields, "origin").len(), 1, "{name}");
        }
        assert!(examples_dir().join("policy.toml").is_file());
    }
}
