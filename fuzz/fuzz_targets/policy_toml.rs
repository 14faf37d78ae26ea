//! Arbitrary text as a TOML policy file.
//!
//! Either the engine refuses it with a non-empty list of typed errors, each
//! with a message, or the policy it builds evaluates a fixed set of requests
//! (plus requests aimed at its own origins) exactly as the reference does,
//! never allocating; and a credentialed policy never admits a canary.
#![no_main]

use corsgate::Policy;
use corsgate_fuzz::gen::probe_origins;
use corsgate_oracle::alloc::{assert_none as assert_no_alloc, Counting};
use corsgate_oracle::config::Config;
use corsgate_oracle::invariants::{assert_holds_for, assert_same};
use corsgate_oracle::reference::RefPolicy;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static GLOBAL: Counting = Counting;

const CANARIES: [&[u8]; 3] = [
    b"https://attacker.invalid",
    b"http://attacker.invalid",
    b"https://attacker.invalid:8443",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = match Policy::from_toml(text) {
        Ok(p) => p,
        Err(errors) => {
            assert!(!errors.errors().is_empty(), "an empty error list");
            for e in errors.errors() {
                assert!(!e.message().is_empty(), "an error without a message: {e:?}");
                assert!(!e.kind().as_str().is_empty());
            }
            return;
        }
    };
    let table: toml::Table = text.parse().expect("the engine parsed this TOML");
    let cfg = Config::from_toml(&table).expect("the engine accepted every key and type");
    assert_eq!(policy.credentials(), cfg.credentials);
    if cfg.credentials {
        for c in CANARIES {
            assert!(
                !policy.origin_allowed(c),
                "credentialed policy admits canary {:?}",
                String::from_utf8_lossy(c)
            );
        }
        if !cfg.allow_null_origin {
            assert!(
                !policy.origin_allowed(b"null"),
                "credentialed policy admits null without the opt-in"
            );
        }
    }
    let reference = RefPolicy::new(&cfg);
    for origin in probe_origins(&cfg.origins) {
        for (method, acrm) in [
            (&b"GET"[..], None),
            (b"OPTIONS", Some(&b"PUT"[..])),
            (b"OPTIONS", Some(b"GET")),
        ] {
            let mut fields: Vec<(&[u8], &[u8])> =
                vec![(b"Host", b"api.example.com"), (b"Origin", &origin)];
            if let Some(m) = acrm {
                fields.push((b"Access-Control-Request-Method", m));
                fields.push((
                    b"Access-Control-Request-Headers",
                    b"content-type,x-request-id",
                ));
            }
            let d = assert_no_alloc("evaluate", || policy.evaluate(method, &fields));
            assert_holds_for(&d, &cfg, &fields);
            assert_same(
                &d,
                &reference.evaluate(method, &fields),
                &(&cfg, String::from_utf8_lossy(&origin)),
            );
        }
    }
});
