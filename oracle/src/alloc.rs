//! The counting global allocator behind every zero-allocation check
//! (DESIGN.md "Core model", attacks.md R-06).
//!
//! A binary that counts installs it itself, once:
//!
//! ```
//! #[global_allocator]
//! static GLOBAL: corsgate_oracle::alloc::Counting = corsgate_oracle::alloc::Counting;
//! ```
//!
//! Counts are per thread, so a test harness running other tests in parallel
//! cannot disturb them, and every counting function first checks that the
//! allocator really is installed: without it a count of zero would prove
//! nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};

/// Forwards to the system allocator and counts allocation requests
/// (`alloc`, `alloc_zeroed`, `realloc`) made by the calling thread.
pub struct Counting;

thread_local! {
    // A `const` thread-local of a type without `Drop` needs no lazy
    // initialisation and no destructor registration, so touching it from
    // inside the allocator can neither allocate nor recurse.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Set by the first allocation that goes through [`Counting`].
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn note_allocation() {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
    // `try_with` fails only during thread teardown, when nothing is counted.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get().wrapping_add(1)));
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `Counting` upholds exactly the contract `System` does; the
// bookkeeping only touches an atomic flag and a thread-local `Cell`, and
// never allocates.
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

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Panics unless [`Counting`] is this binary's global allocator. A program
/// has allocated by the time it runs a check (the runtime's own start-up
/// does), so a flag never set means the allocator is not in use.
fn assert_installed() {
    if !INSTALLED.load(Ordering::Relaxed) {
        // One allocation of our own, in case nothing has allocated yet.
        black_box(vec![0u8; 16]);
    }
    assert!(
        INSTALLED.load(Ordering::Relaxed),
        "corsgate_oracle::alloc::Counting is not this binary's #[global_allocator]: \
         allocation counts would always read zero"
    );
}

/// Runs `f` and returns its result with the number of allocations it made
/// on this thread.
pub fn count<R>(f: impl FnOnce() -> R) -> (R, u64) {
    assert_installed();
    let before = allocations();
    let out = f();
    (out, allocations().wrapping_sub(before))
}

/// Runs `f` and panics, naming `what`, if it allocated.
pub fn assert_none<R>(what: &str, f: impl FnOnce() -> R) -> R {
    let (out, n) = count(f);
    assert_eq!(n, 0, "{what} allocated {n} time(s)");
    out
}

/// Average allocations per call of `f` over `calls` calls, after one
/// uncounted call so that lazily initialised state is not charged to the
/// path being measured.
pub fn per_call(calls: u32, mut f: impl FnMut()) -> f64 {
    f();
    let ((), n) = count(|| {
        for _ in 0..calls {
            f();
        }
    });
    n as f64 / f64::from(calls.max(1))
}

#[cfg(test)]
mod tests {
    /// This crate's own test binary does not install `Counting`: a count
    /// must refuse to read zero there rather than vouch for anything.
    #[test]
    #[should_panic(expected = "is not this binary's #[global_allocator]")]
    fn counting_needs_the_allocator_installed() {
        let _ = super::count(|| vec![0u8; 8]);
    }
}
