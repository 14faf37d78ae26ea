//! Build-time length caps (issue #12 item 5): an origin or pattern is
//! refused with `origin_too_long` exactly when none of the origins it
//! admits fits the request-side caps, so what a policy admits and what a
//! request can carry agree. At each cap the entry builds and its shortest
//! match is admitted; one byte over, it is refused.

use corsgate::{ErrorKind, Policy, MAX_HOST_BYTES, MAX_ORIGIN_BYTES, MAX_SCHEME_BYTES};

/// A host of exactly `n` bytes: 63-byte labels and a short last one.
fn host(n: usize) -> String {
    let mut h = String::new();
    while n - h.len() > 64 {
        h.push_str(&"a".repeat(63));
        h.push('.');
    }
    let rest = n - h.len();
    h.push_str(&"b".repeat(rest));
    assert_eq!(h.len(), n);
    h
}

fn kinds(origin: &str) -> Vec<ErrorKind> {
    match Policy::builder().origin(origin).build() {
        Ok(_) => Vec::new(),
        Err(e) => e.errors().iter().map(|e| e.kind()).collect(),
    }
}

fn admits(pattern: &str, origin: &str) -> bool {
    let policy = Policy::builder()
        .origin(pattern)
        .build()
        .unwrap_or_else(|e| panic!("{pattern}: {e}"));
    policy.origin_allowed(origin.as_bytes())
}

#[test]
fn host_at_the_cap_builds_and_one_byte_over_is_too_long() {
    let at = format!("https://{}", host(MAX_HOST_BYTES));
    assert!(admits(&at, &at));
    let over = format!("https://{}", host(MAX_HOST_BYTES + 1));
    assert_eq!(kinds(&over), [ErrorKind::OriginTooLong]);
    // A request with that origin is over the request-side cap too.
    assert!(!admits("*", &over));
}

#[test]
fn wildcard_whose_shortest_match_is_over_the_host_cap() {
    let suffix = host(MAX_HOST_BYTES - 2);
    let pattern = format!("https://*.{suffix}");
    assert!(admits(&pattern, &format!("https://x.{suffix}")));
    for n in [MAX_HOST_BYTES - 1, MAX_HOST_BYTES] {
        let pattern = format!("https://*.{}", host(n));
        assert_eq!(kinds(&pattern), [ErrorKind::OriginTooLong], "{n}");
        // The same suffix as a wildcard with any port, or with a port.
        assert_eq!(
            kinds(&format!("{pattern}:*")),
            [ErrorKind::OriginTooLong],
            "{n}"
        );
        assert_eq!(
            kinds(&format!("{pattern}:8443")),
            [ErrorKind::OriginTooLong],
            "{n}"
        );
    }
}

#[test]
fn scheme_at_the_cap_builds_and_one_byte_over_is_too_long() {
    let scheme = "s".repeat(MAX_SCHEME_BYTES);
    let at = format!("{scheme}://app.example");
    assert!(admits(&at, &at));
    let over = format!("s{scheme}://app.example");
    assert_eq!(kinds(&over), [ErrorKind::OriginTooLong]);
    assert!(!admits("*", &over));
}

#[test]
fn label_over_63_bytes_is_too_long() {
    let at = format!("https://{}.example", "a".repeat(63));
    assert!(admits(&at, &at));
    let over = format!("https://{}.example", "a".repeat(64));
    assert_eq!(kinds(&over), [ErrorKind::OriginTooLong]);
    let wild = format!("https://*.{}.example", "a".repeat(64));
    assert_eq!(kinds(&wild), [ErrorKind::OriginTooLong]);
}

/// The longest origin a request may carry: every part at its cap.
#[test]
fn the_longest_admissible_origin() {
    let scheme = "s".repeat(MAX_SCHEME_BYTES);
    let longest = format!("{scheme}://{}:65535", host(MAX_HOST_BYTES));
    assert_eq!(longest.len(), MAX_ORIGIN_BYTES);
    assert!(admits(&longest, &longest));
    let wild = format!("{scheme}://*.{}:65535", host(MAX_HOST_BYTES - 2));
    assert_eq!(wild.len(), MAX_ORIGIN_BYTES);
    assert!(admits(
        &wild,
        &format!("{scheme}://x.{}:65535", host(MAX_HOST_BYTES - 2))
    ));
}

#[test]
fn the_error_names_the_cap() {
    let over = format!("https://*.{}", host(MAX_HOST_BYTES));
    let err = Policy::builder().origin(&over).build().unwrap_err();
    let e = &err.errors()[0];
    assert_eq!(e.kind().as_str(), "origin_too_long");
    assert_eq!(e.value(), over);
    assert!(e.message().contains("255 bytes"), "{}", e.message());
    assert!(e.message().contains("253"), "{}", e.message());
}
