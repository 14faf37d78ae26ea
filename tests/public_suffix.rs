//! The credentialed-wildcard check against the full Public Suffix List
//! (issue #19 item 1): `*.base` with credentials is refused when anyone can
//! register a name it admits, from either section of the list, unless
//! `dangerously_allow_public_suffix_subdomains` is set; wildcards over
//! ordinary registrable domains still build. How the list's wildcard
//! (`*.ck`) and exception (`!www.ck`) rules count is tested here too.

use corsgate::{ErrorKind, Policy};

fn credentialed(pattern: &str, opt_in: bool) -> Result<Policy, corsgate::BuildErrors> {
    Policy::builder()
        .origin(pattern)
        .credentials(true)
        .dangerously_allow_public_suffix_subdomains(opt_in)
        .build()
}

fn assert_shared(base: &str) {
    let pattern = format!("https://*.{base}");
    let err = credentialed(&pattern, false).expect_err(&pattern);
    let kinds: Vec<ErrorKind> = err.errors().iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, [ErrorKind::PublicSuffixWildcard], "{pattern}");
    assert_eq!(err.errors()[0].value(), pattern);
    assert!(
        err.errors()[0].message().contains("Public Suffix List"),
        "{}",
        err.errors()[0].message()
    );
    // Opted in, or without credentials, the same pattern builds and admits
    // a stranger's name.
    let stranger = format!("https://someone-else.{base}");
    let opted_in = credentialed(&pattern, true).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    assert!(opted_in.origin_allowed(stranger.as_bytes()), "{stranger}");
    Policy::builder()
        .origin(&pattern)
        .build()
        .unwrap_or_else(|e| panic!("{pattern}: {e}"));
}

fn assert_registrable(base: &str) {
    let pattern = format!("https://*.{base}");
    let policy = credentialed(&pattern, false).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let sub = format!("https://app.{base}");
    assert!(policy.origin_allowed(sub.as_bytes()), "{sub}");
}

/// Shared hosting and dynamic-DNS domains an operator tried: all on the
/// list's private section, all accepted by the old built-in list.
#[test]
fn shared_hosting_and_dynamic_dns_domains() {
    for base in [
        "duckdns.org",
        "dyndns.org",
        "no-ip.org",
        "ddns.net",
        "hopto.org",
        "webflow.io",
        "wixsite.com",
        "carrd.co",
        "eu.org",
        "uk.com",
    ] {
        assert_shared(base);
    }
}

#[test]
fn icann_section() {
    for base in ["com", "io", "co.uk", "com.au", "co.jp", "xn--55qx5d.cn"] {
        assert_shared(base);
    }
}

#[test]
fn private_section() {
    for base in [
        "github.io",
        "s3.amazonaws.com",
        "pages.dev",
        "herokuapp.com",
        "vercel.app",
    ] {
        assert_shared(base);
    }
}

#[test]
fn a_tld_the_list_does_not_know() {
    // The list's default rule `*`: every TLD is a public suffix.
    assert_shared("corsgate-unlisted-tld");
}

#[test]
fn wildcard_and_exception_rules() {
    // `*.ck`: `ck` and every name directly under it are public suffixes.
    assert_shared("ck");
    assert_shared("foo.ck");
    // `!www.ck`: `www.ck` is registrable, and `*.www.ck` is its owner's.
    assert_registrable("www.ck");
    // `*.compute.amazonaws.com`: the base itself is registrable, but every
    // name directly under it is a public suffix, so the wildcard reaches
    // names anyone can register.
    assert_shared("compute.amazonaws.com");
    assert_shared("eu-west-1.compute.amazonaws.com");
}

#[test]
fn ordinary_registrable_domains() {
    for base in [
        "example.com",
        "example.co.uk",
        "api.example.com.au",
        "octocat.github.io",
        "my-site.pages.dev",
        "example.xn--55qx5d.cn",
    ] {
        assert_registrable(base);
    }
}

#[test]
fn the_check_is_for_credentialed_wildcards_only() {
    // Exact origins on a public suffix are someone's own site.
    for origin in [
        "https://github.io",
        "https://octocat.github.io",
        "https://duckdns.org",
    ] {
        credentialed(origin, false).unwrap_or_else(|e| panic!("{origin}: {e}"));
    }
}
