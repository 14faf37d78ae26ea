//! The exports driven from Rust, end to end. Unlike the C tests, these can run
//! under Miri (`cargo +nightly miri test -p corsgate-c`), which checks the
//! unsafe code itself.

use core::ptr;

use super::*;

const TOML: &str =
    "origins = [\"https://app.example.com\"]\nmethods = [\"PUT\"]\ncredentials = true\n";
const PREFLIGHT: &[u8] = b"OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\n\
Access-Control-Request-Method: PUT\r\n\r\n";

fn policy() -> *const corsgate_policy {
    let mut p = ptr::null();
    // SAFETY: valid input bytes and output locations.
    let r =
        unsafe { corsgate_policy_from_toml(TOML.as_ptr(), TOML.len(), &mut p, ptr::null_mut()) };
    assert_eq!(r, corsgate_result::Ok);
    assert!(!p.is_null());
    p
}

fn blank() -> corsgate_decision {
    corsgate_decision {
        kind: 0xee,
        allowed: false,
        reason: 0xee,
        status: 0xeeee,
        header_count: 0xeeee,
        headers: [corsgate_header {
            name: corsgate_slice::EMPTY,
            value: corsgate_slice::EMPTY,
        }; CORSGATE_MAX_HEADERS],
    }
}

/// Reads back a slice the library handed out.
fn bytes(s: corsgate_slice) -> Vec<u8> {
    // SAFETY: slices from the library stay valid while their owner lives,
    // which every caller below guarantees.
    unsafe { s.as_bytes() }.unwrap().to_vec()
}

#[test]
fn evaluate_and_write() {
    let p = policy();
    let mut d = blank();
    // SAFETY: live policy, valid input and output.
    let r = unsafe { corsgate_evaluate_head(p, PREFLIGHT.as_ptr(), PREFLIGHT.len(), &mut d) };
    assert_eq!(r, corsgate_result::Ok);
    assert_eq!(d.kind, corsgate_kind::Preflight as u8);
    assert!(d.allowed);
    assert_eq!(d.status, 204);
    assert_eq!(bytes(d.headers[0].value), b"https://app.example.com");

    let mut len = 0usize;
    // SAFETY: a decision from the library, a NULL buffer with capacity 0.
    let r = unsafe { corsgate_decision_write(&d, ptr::null_mut(), 0, &mut len) };
    assert_eq!(r, corsgate_result::InsufficientBuffer);
    let mut buf = vec![0u8; len];
    let mut written = 0usize;
    // SAFETY: `buf` has `len` writable bytes.
    let r = unsafe { corsgate_decision_write(&d, buf.as_mut_ptr(), buf.len(), &mut written) };
    assert_eq!(r, corsgate_result::Ok);
    assert_eq!(written, len);
    assert!(buf.starts_with(b"Access-Control-Allow-Origin: https://app.example.com\r\n"));
    assert!(buf.ends_with(b"\r\n"));

    // SAFETY: `p` is live; the clone is released below, then the original.
    let q = unsafe { corsgate_policy_clone(p) };
    assert_eq!(q, p);
    // SAFETY: each reference is released once.
    unsafe {
        corsgate_policy_free(p);
        corsgate_policy_free(q);
    }
}

#[test]
fn three_forms_agree() {
    let p = policy();
    let headers = [
        corsgate_header {
            name: corsgate_slice::from_bytes(b"origin"),
            value: corsgate_slice::from_bytes(b" https://app.example.com "),
        },
        corsgate_header {
            name: corsgate_slice::from_bytes(b"Access-Control-Request-Method"),
            value: corsgate_slice::from_bytes(b"PUT"),
        },
    ];
    let view = corsgate_view {
        method: corsgate_slice::from_bytes(b"OPTIONS"),
        origin: corsgate_field {
            state: corsgate_field_state::One as u8,
            value: corsgate_slice::from_bytes(b"https://app.example.com"),
        },
        request_method: corsgate_field {
            state: corsgate_field_state::One as u8,
            value: corsgate_slice::from_bytes(b"PUT"),
        },
        request_private_network: corsgate_field {
            state: corsgate_field_state::Absent as u8,
            value: corsgate_slice {
                ptr: ptr::null(),
                len: 0,
            },
        },
        request_headers: ptr::null(),
        request_headers_count: 0,
    };
    let (mut a, mut b, mut c) = (blank(), blank(), blank());
    // SAFETY: live policy, valid inputs and outputs.
    unsafe {
        assert_eq!(
            corsgate_evaluate_head(p, PREFLIGHT.as_ptr(), PREFLIGHT.len(), &mut a),
            corsgate_result::Ok
        );
        assert_eq!(
            corsgate_evaluate_headers(p, b"OPTIONS".as_ptr(), 7, headers.as_ptr(), 2, &mut b),
            corsgate_result::Ok
        );
        assert_eq!(
            corsgate_evaluate_view(p, &view, &mut c),
            corsgate_result::Ok
        );
    }
    for d in [&b, &c] {
        assert_eq!(
            (d.kind, d.allowed, d.reason, d.status),
            (a.kind, a.allowed, a.reason, a.status)
        );
        assert_eq!(d.header_count, a.header_count);
        for i in 0..a.header_count {
            assert_eq!(bytes(d.headers[i].name), bytes(a.headers[i].name));
            assert_eq!(bytes(d.headers[i].value), bytes(a.headers[i].value));
        }
    }
    // SAFETY: released once.
    unsafe { corsgate_policy_free(p) };
}

#[test]
fn null_and_invalid_inputs_write_nothing() {
    let p = policy();
    let mut d = blank();
    // SAFETY: each call gets one NULL or invalid argument, which the
    // library must refuse before touching anything.
    unsafe {
        assert_eq!(
            corsgate_evaluate_head(ptr::null(), PREFLIGHT.as_ptr(), 1, &mut d),
            corsgate_result::NullParameter
        );
        assert_eq!(
            corsgate_evaluate_head(p, ptr::null(), 1, &mut d),
            corsgate_result::NullParameter
        );
        assert_eq!(
            corsgate_evaluate_head(p, PREFLIGHT.as_ptr(), 1, ptr::null_mut()),
            corsgate_result::NullParameter
        );
        assert_eq!(
            corsgate_evaluate_view(p, ptr::null(), &mut d),
            corsgate_result::NullParameter
        );
        let pair = [corsgate_header {
            name: corsgate_slice::EMPTY,
            value: corsgate_slice::EMPTY,
        }; 2];
        let misaligned = pair
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(1)
            .cast::<corsgate_header>();
        assert_eq!(
            corsgate_evaluate_headers(p, ptr::null(), 0, misaligned, 1, &mut d),
            corsgate_result::InvalidArgument
        );
        corsgate_policy_free(p);
    }
    assert_eq!(d.kind, 0xee);
    assert_eq!(d.header_count, 0xeeee);
}

#[test]
fn builder_errors_are_listed_and_nothing_leaks() {
    let mut b = ptr::null_mut();
    let mut p = ptr::null();
    let mut errs = ptr::null_mut();
    // SAFETY: the builder is live until `corsgate_builder_build` consumes
    // it; the error list is freed once.
    unsafe {
        assert_eq!(corsgate_builder_new(&mut b), corsgate_result::Ok);
        assert_eq!(
            corsgate_builder_add_origin(b, b"https://A.example".as_ptr(), 17),
            corsgate_result::Ok
        );
        assert_eq!(
            corsgate_builder_add_method(b, b"\xff".as_ptr(), 1),
            corsgate_result::InvalidUtf8
        );
        assert_eq!(
            corsgate_builder_set_mode(b, 9),
            corsgate_result::InvalidArgument
        );
        assert_eq!(corsgate_builder_set_max_age(b, 86_401), corsgate_result::Ok);
        assert_eq!(
            corsgate_builder_build(b, &mut p, &mut errs),
            corsgate_result::InvalidPolicy
        );
        assert!(p.is_null());
        let n = corsgate_errors_len(errs);
        let mut kinds = Vec::new();
        for i in 0..n {
            let mut e = core::mem::zeroed::<corsgate_build_error>();
            assert_eq!(corsgate_errors_get(errs, i, &mut e), corsgate_result::Ok);
            kinds.push((e.kind, bytes(e.kind_name), bytes(e.value)));
            assert!(!bytes(e.message).is_empty());
        }
        let mut e = core::mem::zeroed::<corsgate_build_error>();
        assert_eq!(
            corsgate_errors_get(errs, n, &mut e),
            corsgate_result::OutOfRange
        );
        corsgate_errors_free(errs);
        assert!(kinds.contains(&(
            corsgate_error_kind::UppercaseOrigin as u16,
            b"uppercase_origin".to_vec(),
            b"https://A.example".to_vec()
        )));
        assert!(kinds
            .iter()
            .any(|k| k.0 == corsgate_error_kind::MaxAgeOutOfRange as u16));
    }
}

/// A hand-assembled decision in which only `header_count` and the entries
/// it covers are initialised, as C may legitimately leave it. Reading the
/// other entries (the code once copied the whole array) is undefined
/// behaviour, which Miri reports.
#[test]
fn decision_write_reads_only_the_counted_headers() {
    let mut hand = core::mem::MaybeUninit::<corsgate_decision>::uninit();
    let d = hand.as_mut_ptr();
    // SAFETY: writes to fields of a local, through raw pointers, without
    // reading or creating references to the uninitialised rest.
    unsafe {
        ptr::addr_of_mut!((*d).header_count).write(1);
        ptr::addr_of_mut!((*d).headers)
            .cast::<corsgate_header>()
            .write(corsgate_header {
                name: corsgate_slice::from_bytes(b"Vary"),
                value: corsgate_slice::from_bytes(b"Origin"),
            });
    }
    let mut buf = [0u8; 32];
    let mut len = 0usize;
    // SAFETY: the decision meets the documented minimum; `buf` has 32
    // writable bytes.
    let r = unsafe { corsgate_decision_write(d, buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(r, corsgate_result::Ok);
    assert_eq!(&buf[..len], b"Vary: Origin\r\n");
}

/// A view whose fields that are not `ONE` leave `value` uninitialised, as
/// the header allows; only the initialised parts may be read.
#[test]
fn view_values_are_read_only_for_present_fields() {
    let p = policy();
    let mut raw = core::mem::MaybeUninit::<corsgate_view>::uninit();
    let v = raw.as_mut_ptr();
    // SAFETY: field writes into a local through raw pointers.
    unsafe {
        ptr::addr_of_mut!((*v).method).write(corsgate_slice::from_bytes(b"GET"));
        ptr::addr_of_mut!((*v).origin.state).write(corsgate_field_state::One as u8);
        ptr::addr_of_mut!((*v).origin.value)
            .write(corsgate_slice::from_bytes(b"https://app.example.com"));
        ptr::addr_of_mut!((*v).request_method.state).write(corsgate_field_state::Absent as u8);
        ptr::addr_of_mut!((*v).request_private_network.state)
            .write(corsgate_field_state::Repeated as u8);
        ptr::addr_of_mut!((*v).request_headers).write(ptr::null());
        ptr::addr_of_mut!((*v).request_headers_count).write(0);
    }
    let mut d = blank();
    // SAFETY: the view meets the documented minimum; live policy.
    let r = unsafe { corsgate_evaluate_view(p, v, &mut d) };
    assert_eq!(r, corsgate_result::Ok);
    assert_eq!(d.kind, corsgate_kind::Actual as u8);
    assert!(d.allowed);
    // SAFETY: released once.
    unsafe { corsgate_policy_free(p) };
}

/// Storage for a misaligned `T`: one byte past an aligned, zeroed buffer.
#[repr(C, align(16))]
struct Misaligned([u8; 512]);

impl Misaligned {
    fn new() -> Self {
        Misaligned([0; 512])
    }

    fn at<T>(&mut self) -> *mut T {
        assert!(size_of::<T>() < 511 && align_of::<T>() > 1);
        self.0.as_mut_ptr().wrapping_add(1).cast()
    }

    /// A misaligned handle pointer, 64 bytes in, so that what `Arc` keeps
    /// before its value lies inside the buffer too. Never dereferenced by a
    /// correct library, so the handle's size does not matter.
    fn handle<T>(&mut self) -> *mut T {
        assert!(align_of::<T>() > 1);
        self.0.as_mut_ptr().wrapping_add(65).cast()
    }
}

/// A misaligned struct or output pointer is an error code. Dereferencing
/// it would be undefined behaviour (and a real fault on some targets); the
/// code once read views and wrote every output without checking.
#[test]
fn misaligned_pointers_are_invalid_arguments() {
    let p = policy();
    let mut scratch = Misaligned::new();
    let mut d = blank();
    let mut len = 0usize;
    let view = corsgate_view {
        method: corsgate_slice::from_bytes(b"GET"),
        origin: corsgate_field {
            state: 0,
            value: corsgate_slice::EMPTY,
        },
        request_method: corsgate_field {
            state: 0,
            value: corsgate_slice::EMPTY,
        },
        request_private_network: corsgate_field {
            state: 0,
            value: corsgate_slice::EMPTY,
        },
        request_headers: ptr::null(),
        request_headers_count: 0,
    };
    // SAFETY: every call gets one misaligned pointer, which the library
    // must refuse before any access; everything else is valid.
    unsafe {
        let r = corsgate_evaluate_head(p, PREFLIGHT.as_ptr(), PREFLIGHT.len(), scratch.at());
        assert_eq!(r, corsgate_result::InvalidArgument);
        let r = corsgate_evaluate_view(p, scratch.at(), &mut d);
        assert_eq!(r, corsgate_result::InvalidArgument);
        let r = corsgate_evaluate_view(p, &view, scratch.at());
        assert_eq!(r, corsgate_result::InvalidArgument);
        let r = corsgate_decision_write(scratch.at(), ptr::null_mut(), 0, &mut len);
        assert_eq!(r, corsgate_result::InvalidArgument);
        let r = corsgate_decision_write(&d, ptr::null_mut(), 0, scratch.at());
        assert_eq!(r, corsgate_result::InvalidArgument);
        let r = corsgate_policy_from_toml(TOML.as_ptr(), TOML.len(), scratch.at(), ptr::null_mut());
        assert_eq!(r, corsgate_result::InvalidArgument);
        let mut q = ptr::null();
        let r = corsgate_policy_from_toml(b"x".as_ptr(), 1, &mut q, scratch.at());
        assert_eq!(r, corsgate_result::InvalidArgument);
        assert!(q.is_null());
        let r = corsgate_builder_new(scratch.at());
        assert_eq!(r, corsgate_result::InvalidArgument);
        let r = corsgate_errors_get(ptr::null(), 0, scratch.at());
        assert_eq!(r, corsgate_result::NullParameter);
        corsgate_policy_free(p);
    }
    assert_eq!(d.kind, 0xee);
    assert_eq!(len, 0);
    assert!(scratch.0.iter().all(|&b| b == 0), "nothing was written");
}

/// The strong count of the `Arc` behind a live handle.
///
/// # Safety
///
/// `p` is a live handle.
unsafe fn strong_count(p: *const corsgate_policy) -> usize {
    // SAFETY: a live handle is an `Arc::into_raw` pointer with a count of
    // at least one, which the caller keeps; `ManuallyDrop` leaves it alone.
    let arc = core::mem::ManuallyDrop::new(unsafe { std::sync::Arc::from_raw(p) });
    std::sync::Arc::strong_count(&arc)
}

#[test]
fn clone_and_free_pair_up() {
    let p = policy();
    // SAFETY: `p` is live throughout; each reference is released once.
    unsafe {
        assert_eq!(strong_count(p), 1);
        let q = corsgate_policy_clone(p);
        let r = corsgate_policy_clone(q);
        assert_eq!((q, r), (p, p));
        assert_eq!(strong_count(p), 3);
        corsgate_policy_free(q);
        assert_eq!(strong_count(p), 2);
        corsgate_policy_free(r);
        assert_eq!(strong_count(p), 1);
        assert!(corsgate_policy_clone(ptr::null()).is_null());
        corsgate_policy_free(ptr::null());
        corsgate_policy_free(p);
    }
}

/// `corsgate_builder_build` consumes the builder on its error paths too:
/// no leak (Miri's leak check, LeakSanitizer in the C tests) and no second
/// free.
#[test]
fn build_consumes_the_builder_on_every_path() {
    let mut scratch = Misaligned::new();
    // SAFETY: each builder is consumed by exactly one `build` call.
    unsafe {
        for case in 0..3 {
            let mut b = ptr::null_mut();
            assert_eq!(corsgate_builder_new(&mut b), corsgate_result::Ok);
            let mut p = ptr::null();
            let r = match case {
                0 => corsgate_builder_build(b, ptr::null_mut(), ptr::null_mut()),
                1 => corsgate_builder_build(b, &mut p, scratch.at()),
                _ => corsgate_builder_build(b, &mut p, ptr::null_mut()),
            };
            let want = [
                corsgate_result::NullParameter,
                corsgate_result::InvalidArgument,
                corsgate_result::InvalidPolicy,
            ];
            assert_eq!(r, want[case]);
            assert!(p.is_null());
        }
        assert_eq!(
            corsgate_builder_build(ptr::null_mut(), ptr::null_mut(), ptr::null_mut()),
            corsgate_result::NullParameter
        );
        corsgate_builder_free(ptr::null_mut());
    }
}

/// The `*_free` functions and `corsgate_policy_clone` cannot report an
/// error, and a misaligned pointer cannot be a handle corsgate made: they
/// ignore it (clone returns NULL) rather than hand it to `Box::from_raw` or
/// `Arc::from_raw`, which once freed or decremented whatever lay there.
#[test]
fn free_and_clone_ignore_misaligned_pointers() {
    let mut scratch = Misaligned::new();
    // SAFETY: each call gets a misaligned pointer, which the library must
    // leave alone.
    unsafe {
        assert!(corsgate_policy_clone(scratch.handle::<corsgate_policy>()).is_null());
        corsgate_policy_free(scratch.handle::<corsgate_policy>());
        corsgate_builder_free(scratch.handle::<corsgate_builder>());
        corsgate_errors_free(scratch.handle::<corsgate_errors>());
    }
    assert!(scratch.0.iter().all(|&b| b == 0), "nothing was written");
}

/// A misaligned `builder` cannot be a builder `corsgate_builder_new` made,
/// so `corsgate_builder_build` refuses it without consuming anything (the
/// header says so): what lies there is neither freed nor written.
#[test]
fn build_refuses_a_misaligned_builder_untouched() {
    let mut scratch = Misaligned::new();
    let mut p = ptr::null();
    // SAFETY: a misaligned builder, which the library must refuse before
    // any access; valid outputs.
    let r = unsafe { corsgate_builder_build(scratch.handle(), &mut p, ptr::null_mut()) };
    assert_eq!(r, corsgate_result::InvalidArgument);
    assert!(p.is_null());
    assert!(scratch.0.iter().all(|&b| b == 0), "nothing was written");
}

/// A decision with one header, `name: value`, built by hand.
fn hand_decision(name: &[u8], value: corsgate_slice) -> corsgate_decision {
    let mut d = blank();
    d.header_count = 1;
    d.headers[0] = corsgate_header {
        name: corsgate_slice::from_bytes(name),
        value,
    };
    d
}

/// Writing a value over itself is refused rather than left to `memmove`
/// semantics: the header once called an overlapping buffer fine, and the
/// output then depended on the copy order.
#[test]
fn decision_write_refuses_a_buffer_overlapping_a_value() {
    let mut buf = *b"Origin..........................";
    let base = buf.as_mut_ptr();
    let mut len = 7usize;
    for (at, value_len) in [(0usize, 6usize), (10, 6), (31, 1)] {
        let value = corsgate_slice {
            ptr: base.wrapping_add(at),
            len: value_len,
        };
        let d = hand_decision(b"Vary", value);
        // SAFETY: the value's bytes lie inside `buf`, which is readable; the
        // library must refuse before writing.
        let r = unsafe { corsgate_decision_write(&d, base, buf.len(), &mut len) };
        assert_eq!(r, corsgate_result::InvalidArgument, "value at {at}");
    }
    // A name inside the buffer is refused the same way.
    let mut d = hand_decision(b"", corsgate_slice::from_bytes(b"Origin"));
    d.headers[0].name = corsgate_slice {
        ptr: base.wrapping_add(20),
        len: 4,
    };
    // SAFETY: as above.
    let r = unsafe { corsgate_decision_write(&d, base, buf.len(), &mut len) };
    assert_eq!(r, corsgate_result::InvalidArgument);
    assert_eq!(len, 7, "nothing reported");
    assert_eq!(&buf, b"Origin..........................", "nothing written");

    // Just outside the buffer on either side is fine.
    let mut both = [0u8; 64];
    let (values, out) = both.split_at_mut(32);
    values[..6].copy_from_slice(b"Origin");
    let d = hand_decision(b"Vary", corsgate_slice::from_bytes(&values[..6]));
    // SAFETY: `out` has 32 writable bytes next to, not over, the value.
    let r = unsafe { corsgate_decision_write(&d, out.as_mut_ptr(), out.len(), &mut len) };
    assert_eq!(r, corsgate_result::Ok);
    assert_eq!(&out[..len], b"Vary: Origin\r\n");
}

/// A hand-built decision must not smuggle a header line: CR, LF or NUL in
/// a name or a value is refused, and nothing is written.
#[test]
fn decision_write_refuses_cr_lf_and_nul() {
    let mut buf = [0x5au8; 128];
    for bad in [
        &b"Origin\r\nSet-Cookie: a=b"[..],
        b"Origin\n",
        b"\rOrigin",
        b"Ori\0gin",
    ] {
        let mut len = 7usize;
        let d = hand_decision(b"Vary", corsgate_slice::from_bytes(bad));
        // SAFETY: readable slices, `buf` writable.
        let r = unsafe { corsgate_decision_write(&d, buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(r, corsgate_result::InvalidArgument, "{bad:?}");
        let d = hand_decision(bad, corsgate_slice::from_bytes(b"Origin"));
        // SAFETY: as above.
        let r = unsafe { corsgate_decision_write(&d, buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(r, corsgate_result::InvalidArgument, "name {bad:?}");
        assert_eq!(len, 7);
        // Asking for the size does not bypass the check.
        // SAFETY: NULL buffer with capacity 0.
        let r = unsafe { corsgate_decision_write(&d, ptr::null_mut(), 0, &mut len) };
        assert_eq!(r, corsgate_result::InvalidArgument);
    }
    assert!(buf.iter().all(|&b| b == 0x5a), "nothing written");
    // Tabs and spaces are fine in a value.
    let d = hand_decision(b"X-A", corsgate_slice::from_bytes(b"a \tb"));
    let mut len = 0usize;
    // SAFETY: as above.
    let r = unsafe { corsgate_decision_write(&d, buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(r, corsgate_result::Ok);
    assert_eq!(&buf[..len], b"X-A: a \tb\r\n");
}
