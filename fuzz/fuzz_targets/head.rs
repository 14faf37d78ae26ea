//! Arbitrary bytes as a raw request head, against one policy per archetype.
//!
//! When the head scans, the decision must equal the header-list path's on
//! the same lines (extracted here without the engine's scanner), the view
//! path's, and the reference evaluator's; whatever happens, the output must
//! be safe and evaluation must not allocate.
#![no_main]

use std::sync::OnceLock;

use corsgate::{scan_head, Kind, Policy, Reason};
use corsgate_fuzz::archetypes::archetypes;
use corsgate_oracle::alloc::{assert_none as assert_no_alloc, Counting};
use corsgate_oracle::config::Config;
use corsgate_oracle::head::split;
use corsgate_oracle::invariants::{assert_holds_for, assert_same};
use corsgate_oracle::reference::RefPolicy;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Fixture {
    cfg: Config,
    policy: Policy,
    reference: RefPolicy,
}

fn fixtures() -> &'static [Fixture] {
    static F: OnceLock<Vec<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        archetypes()
            .into_iter()
            .map(|cfg| Fixture {
                policy: cfg.builder().build().expect("archetype policies build"),
                reference: RefPolicy::new(&cfg),
                cfg,
            })
            .collect()
    })
}

fuzz_target!(|head: &[u8]| {
    let scanned = scan_head(head);
    for f in fixtures() {
        let d = assert_no_alloc("evaluate_head", || f.policy.evaluate_head(head));
        match &scanned {
            Ok(view) => {
                let (method, fields) = split(head).expect("a head that scans has an empty line");
                assert_holds_for(&d, &f.cfg, &fields);
                let listed = assert_no_alloc("evaluate", || f.policy.evaluate(method, &fields));
                assert!(
                    d == listed,
                    "raw head and header list disagree\n head: {d:?}\n list: {listed:?}"
                );
                let viewed = assert_no_alloc("evaluate_view", || f.policy.evaluate_view(view));
                assert!(d == viewed, "raw head and view disagree");
                assert_same(
                    &d,
                    &f.reference.evaluate(method, &fields),
                    &String::from_utf8_lossy(head),
                );
            }
            Err(_) => {
                assert_eq!(d.kind(), Kind::NotCors);
                assert!(matches!(
                    d.reason(),
                    Reason::MalformedRequest | Reason::RequestTooLarge
                ));
                assert!(
                    d.headers().iter().all(|h| h.name == "Vary"),
                    "CORS headers on an unscannable head"
                );
                assert_holds_for(&d, &f.cfg, &[]);
            }
        }
    }
});
