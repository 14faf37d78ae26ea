//! Building a policy from a very large origin list (issue #12 item 4):
//! 100,000 exact origins and 10,000 patterns, with credentials (the
//! public-suffix check and the canary probe included), the list the build
//! benchmark (`benches/build.rs`) times. Speed is the benchmark's to
//! measure; this checks the result (with the quadratic builders it took
//! 278 s in a debug build, about 5 s now).

use corsgate::Policy;

#[path = "../benches/support/origin_gen.rs"]
mod origin_gen;

const EXACT: usize = 100_000;
const PATTERNS: usize = 10_000;

#[test]
fn a_hundred_thousand_origins_and_ten_thousand_patterns() {
    let mut list = origin_gen::origins(EXACT, PATTERNS);
    // Repeats of a listed origin and pattern are harmless.
    list.push(origin_gen::exact_origin(7, PATTERNS));
    list.push(origin_gen::pattern(0));
    let policy = Policy::builder()
        .origins(&list)
        .credentials(true)
        .build()
        .expect("the generated list builds");
    for i in 0..EXACT {
        let o = origin_gen::exact_origin(i, PATTERNS);
        assert!(policy.origin_allowed(o.as_bytes()), "{o}");
    }
    for j in 0..PATTERNS {
        let (o, other_port) = match j % 5 {
            1 => (
                format!("https://x.y.team{}.example.net:8443", j - 1),
                format!("https://x.team{}.example.net:8444", j - 1),
            ),
            4 => (
                format!("https://svc{j}.example.org:9000"),
                format!("https://x.svc{j}.example.org"),
            ),
            _ => (
                format!("https://x.team{j}.example.net"),
                format!("https://x.team{j}.example.net:8444"),
            ),
        };
        assert!(policy.origin_allowed(o.as_bytes()), "{o}");
        assert!(
            !policy.origin_allowed(other_port.as_bytes()),
            "{other_port}"
        );
    }
    for o in [
        format!("https://team{}.example.net", PATTERNS - 1),
        "https://app1.example1.com.attacker.invalid".to_string(),
        format!("https://app{EXACT}.example{}.com", EXACT % 1000),
        "http://app1.example1.com".to_string(),
        "https://example.net".to_string(),
    ] {
        assert!(!policy.origin_allowed(o.as_bytes()), "{o}");
    }
}
