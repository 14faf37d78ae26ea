//! The zero-allocation guard (DESIGN.md "Core model", attacks.md R-06):
//! evaluating every conformance vector through all three input forms, and
//! serialising the decision into a stack buffer, performs no heap
//! allocation at all.
//!
//! Policies and request bytes are prepared first; the counting allocator
//! only counts on this thread and only between `start` and `stop`, so the
//! harness and the preparation cannot disturb the count.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::Prepared;

struct Counting;

thread_local! {
    // `const` thread-locals need no lazy initialisation, so reading them
    // from inside the allocator cannot allocate or recurse.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with` fails only during thread teardown, when nothing is counted.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `Counting` upholds exactly the contract `System` does; the
// bookkeeping only touches thread-local `Cell`s and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded verbatim; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: as above; `ptr` came from this allocator, i.e. from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns how many allocations it made on this thread.
fn count<R>(f: impl FnOnce() -> R) -> (R, u64) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    let r = f();
    COUNTING.with(|on| on.set(false));
    (r, ALLOCATIONS.with(Cell::get))
}

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
