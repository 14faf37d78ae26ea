//! Test-only exports (feature `test-panic`), never in release artifacts.

use crate::boundary::guard;
use crate::result::corsgate_result;

/// Panics inside the panic boundary, which must turn it into
/// `CORSGATE_RESULT_PANIC`. Exists only with the `test-panic` feature.
#[no_mangle]
pub extern "C" fn corsgate_test_panic() -> corsgate_result {
    guard(|| panic!("corsgate_test_panic: deliberate panic to test the FFI boundary"))
}
