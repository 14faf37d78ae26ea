//! Differential fuzzing: an `Arbitrary` policy and request, evaluated by the
//! engine (header list, raw head and view) and by the reference evaluator
//! written from docs/semantics.md. Same kind, verdict, reason, status and
//! headers, or the target fails.
#![no_main]

use arbitrary::Arbitrary;
use corsgate::{scan_head, Policy};
use corsgate_fuzz::alloc_count::assert_no_alloc;
use corsgate_fuzz::gen::{PolicySpec, RequestSpec};
use corsgate_fuzz::head::write_head;
use corsgate_fuzz::invariants::{assert_same, check_output, single_origin};
use corsgate_fuzz::origin_ref::naive_admits;
use corsgate_fuzz::reference::RefPolicy;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    policy: PolicySpec,
    requests: Vec<RequestSpec>,
}

fuzz_target!(|input: Input| {
    let cfg = input.policy.config();
    let policy: Policy = match cfg.builder().build() {
        Ok(p) => p,
        Err(errors) => {
            assert!(!errors.errors().is_empty());
            return;
        }
    };
    let reference = RefPolicy::new(&cfg);
    for req in input.requests.iter().take(8) {
        let (method, owned) = req.build(&cfg);
        let fields: Vec<(&[u8], &[u8])> = owned
            .iter()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
            .collect();
        let d = assert_no_alloc("evaluate", || policy.evaluate(&method, &fields));
        check_output(&d, single_origin(&fields), |o| {
            naive_admits(&cfg.origins, cfg.allow_null_origin, o)
        });
        assert_same(
            &d,
            &reference.evaluate(&method, &fields),
            &(&cfg, &method, &owned),
        );
        if let Some(head) = write_head(&method, &fields) {
            let from_head = assert_no_alloc("evaluate_head", || policy.evaluate_head(&head));
            assert!(
                d == from_head,
                "header list and raw head disagree on {:?}",
                String::from_utf8_lossy(&head)
            );
            let view = scan_head(&head).expect("a written head scans");
            assert!(d == policy.evaluate_view(&view));
        }
    }
});
