//! The zero-allocation guard (DESIGN.md "Core model", attacks.md R-06):
//! evaluating every conformance vector through all three input forms, and
//! serialising the decision into a stack buffer, performs no heap
//! allocation at all.
//!
//! Policies and request bytes are prepared first; the counting allocator
//! (`corsgate_oracle::alloc`) counts per thread and only inside `count`, so
//! the harness and the preparation cannot disturb the count.

use corsgate_oracle::alloc::{count, Counting};
use corsgate_oracle::vectors::{self as common, Prepared};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Big enough for any decision: at most `MAX_HEADERS` lines, of which only
/// the echoed request-headers lines can be long (2 KiB in all).
const OUT_BYTES: usize = 8 * 1024;

#[test]
fn the_counter_sees_allocations() {
    let (v, n) = count(|| vec![1u8; 64]);
    assert_eq!(v.len(), 64);
    assert!(n >= 1, "the counting allocator must notice a Vec");
}

#[test]
fn evaluating_every_vector_allocates_nothing() {
    let policies = common::load_policies();
    let cases = common::load_cases();
    let prepared: Vec<Prepared<'_>> = cases.iter().map(Prepared::new).collect();
    let pairs: Vec<Vec<(&[u8], &[u8])>> = prepared.iter().map(Prepared::pairs).collect();
    let mut offenders = Vec::new();
    let mut evaluations = 0usize;
    for (p, pairs) in prepared.iter().zip(&pairs) {
        let policy = policies
            .get(&p.case.policy)
            .unwrap_or_else(|| panic!("{}: unknown policy {:?}", p.case.name, p.case.policy));
        for &form in &p.forms {
            let mut out = [0u8; OUT_BYTES];
            let (written, allocations) = count(|| {
                let d = common::evaluate(policy, p, pairs, form);
                d.write_headers(&mut out)
            });
            evaluations += 1;
            assert!(
                written.is_ok(),
                "{}: {OUT_BYTES} bytes were not enough",
                p.case.name
            );
            if allocations != 0 {
                offenders.push(format!(
                    "{} ({}): {allocations} allocations",
                    p.case.name,
                    form.as_str()
                ));
            }
        }
    }
    println!(
        "zero-allocation check: {evaluations} evaluations of {} cases",
        cases.len()
    );
    assert!(
        offenders.is_empty(),
        "evaluation allocated:\n  {}",
        offenders.join("\n  ")
    );
    assert!(
        evaluations >= 600,
        "only {evaluations} evaluations were checked"
    );
}
