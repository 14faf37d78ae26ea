//! Large generated origin lists, shared by the policy-build benchmark
//! (`benches/build.rs`) and the scale test (`tests/policy_scale.rs`).
//!
//! The shapes are what a multi-tenant deployment writes: exact origins
//! spread over many registrable domains, some with a port, one in ten
//! under one of the wildcard patterns (so that the canary probe finds
//! derived canaries the matcher admits and has to read the patterns), and
//! patterns that are mostly `*.` wildcards, some sharing a suffix with a
//! different port rule, some `:*` any-port hosts. Every entry is valid and
//! https, so the list builds with credentials.

/// `exact` exact origins followed by `patterns` patterns, all distinct.
pub fn origins(exact: usize, patterns: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(exact + patterns);
    for i in 0..exact {
        out.push(exact_origin(i, patterns));
    }
    for j in 0..patterns {
        out.push(pattern(j));
    }
    out
}

/// The `i`th exact origin of a list with `patterns` patterns.
pub fn exact_origin(i: usize, patterns: usize) -> String {
    if i % 10 == 0 && patterns > 0 {
        // Under the wildcard of pattern `team`, or next to it when that
        // pattern is an any-port host.
        let team = (i / 10) % patterns;
        format!("https://app{i}.team{team}.example.net")
    } else if i % 7 == 0 {
        format!("https://app{i}.example{}.com:8443", i % 1000)
    } else {
        format!("https://app{i}.example{}.com", i % 1000)
    }
}

/// The `j`th pattern.
pub fn pattern(j: usize) -> String {
    match j % 5 {
        // A second rule for the previous pattern's suffix.
        1 => format!("https://*.team{}.example.net:8443", j - 1),
        4 => format!("https://svc{j}.example.org:*"),
        _ => format!("https://*.team{j}.example.net"),
    }
}
