//! The C ABI (bindings/c) driven through its Rust signatures: arbitrary
//! pointer-and-length pairs built from live buffers, NULLs and zero
//! capacities, handles cloned and freed in arbitrary order.
//!
//! Asserted: NULL is an error code, never a crash; outputs are written only
//! on success; every decision equals the core's for the same bytes;
//! `corsgate_decision_write` reports the size it needs and writes nothing
//! into a short buffer; builder and TOML errors mirror the core's; handle
//! reference counts balance (AddressSanitizer and LeakSanitizer catch the
//! rest). libfuzzer-sys aborts on any panic, so a panic caught by the ABI's
//! boundary is a finding too.
#![no_main]

use std::ptr;

use arbitrary::Arbitrary;
use corsgate::{Decision, Policy, PolicyBuilder};
use corsgate_ffi::*;
use libfuzzer_sys::fuzz_target;

/// How a byte input is handed over.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Pass {
    /// The buffer and its length.
    Whole,
    /// NULL with length 0: an empty input.
    NullEmpty,
    /// NULL with a non-zero length: must be refused.
    NullWithLength,
    /// The buffer with length 0.
    Empty,
}

fn pass(bytes: &[u8], how: Pass) -> (*const u8, usize) {
    match how {
        Pass::Whole => (bytes.as_ptr(), bytes.len()),
        Pass::NullEmpty => (ptr::null(), 0),
        Pass::NullWithLength => (ptr::null(), bytes.len().max(1)),
        Pass::Empty => (bytes.as_ptr(), 0),
    }
}

fn seen(bytes: &[u8], how: Pass) -> Option<&[u8]> {
    match how {
        Pass::Whole => Some(bytes),
        Pass::NullEmpty | Pass::Empty => Some(&[]),
        Pass::NullWithLength => None,
    }
}

#[derive(Arbitrary, Debug)]
enum Source {
    Toml(Vec<u8>, Pass),
    Builder(Vec<Setting>),
}

#[derive(Arbitrary, Debug)]
enum Setting {
    Origin(String, Pass),
    Method(String),
    RequestHeader(String),
    ExposeHeader(String),
    Credentials(bool),
    MaxAge(i64),
    PrivateNetwork(bool),
    PreflightStatus(i64),
    DeniedPreflight(u32),
    Mode(u32),
    AllowNull(bool),
    AllowInsecure(bool),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Head {
        head: Vec<u8>,
        how: Pass,
        null_policy: bool,
        null_out: bool,
    },
    Headers {
        method: Vec<u8>,
        headers: Vec<(Vec<u8>, Vec<u8>, Pass)>,
        array: Pass,
    },
    View {
        method: Vec<u8>,
        origin: (u8, Vec<u8>),
        acrm: (u8, Vec<u8>),
        lines: Vec<Vec<u8>>,
        lines_how: Pass,
    },
    Write {
        cap: u16,
        null_buf: bool,
        null_len: bool,
    },
    Clone,
    Free,
    Strings(u32),
}

#[derive(Arbitrary, Debug)]
struct Input {
    source: Source,
    ops: Vec<Op>,
}

/// A decision-out slot pre-filled with a sentinel, to see whether a call
/// wrote it.
fn blank_decision() -> corsgate_decision {
    // SAFETY: every field of corsgate_decision is an integer, a bool or a
    // raw pointer, for which zero bytes are valid; 0xFF would not be for
    // `allowed`, so the sentinel lives in `status` and `header_count`.
    let mut d: corsgate_decision = unsafe { std::mem::zeroed() };
    d.status = 0xBEEF;
    d.header_count = usize::MAX;
    d
}

fn untouched(d: &corsgate_decision) -> bool {
    d.status == 0xBEEF && d.header_count == usize::MAX
}

/// Asserts that the C decision is the core decision, byte for byte.
fn assert_mirrors(c: &corsgate_decision, d: &Decision<'_>) {
    assert_eq!(c.kind, d.kind() as u8);
    assert_eq!(c.allowed, d.allowed());
    assert_eq!(c.reason, d.reason() as u8);
    assert_eq!(c.status, d.status());
    assert_eq!(c.header_count, d.headers().len());
    for (ch, h) in c.headers.iter().zip(d.headers()) {
        // SAFETY: the slices of a decision the ABI wrote point into the
        // policy, static data or the input, all alive here.
        let (name, value) = unsafe {
            (
                std::slice::from_raw_parts(ch.name.ptr, ch.name.len),
                std::slice::from_raw_parts(ch.value.ptr, ch.value.len),
            )
        };
        assert_eq!(name, h.name.as_bytes());
        assert_eq!(value, h.value);
    }
}

/// Builds the policy through the ABI and through the core, and checks that
/// both agree. Returns the C handle and the core policy when it built.
fn build(source: &Source) -> Option<(*const corsgate_policy, Policy)> {
    let mut policy: *const corsgate_policy = ptr::null();
    let mut errors: *mut corsgate_errors = ptr::null_mut();
    let (code, core) = match source {
        Source::Toml(bytes, how) => {
            let (p, n) = pass(bytes, *how);
            // SAFETY: `p` is NULL or points to `n` live bytes; the outputs
            // are locals.
            let code = unsafe { corsgate_policy_from_toml(p, n, &mut policy, &mut errors) };
            let core = seen(bytes, *how).map(|b| match std::str::from_utf8(b) {
                Ok(text) => Policy::from_toml(text).map_err(|e| e.errors().len()),
                Err(_) => Err(1),
            });
            (code, core)
        }
        Source::Builder(settings) => {
            let mut b: *mut corsgate_builder = ptr::null_mut();
            // SAFETY: the out-pointer is a local.
            assert_eq!(unsafe { corsgate_builder_new(&mut b) }, corsgate_result::Ok);
            let mut rust = Some(PolicyBuilder::new());
            for s in settings.iter().take(16) {
                let r = rust.take().expect("set");
                // SAFETY: `b` is a live builder; text pointers are NULL or
                // point to live bytes of the given length.
                let (code, next) = unsafe {
                    match s {
                        Setting::Origin(t, how) => {
                            let (p, n) = pass(t.as_bytes(), *how);
                            let code = corsgate_builder_add_origin(b, p, n);
                            match seen(t.as_bytes(), *how) {
                                Some(v) => (code, r.origin(std::str::from_utf8(v).expect("utf8"))),
                                None => {
                                    assert_eq!(code, corsgate_result::NullParameter);
                                    (corsgate_result::Ok, r)
                                }
                            }
                        }
                        Setting::Method(t) => (
                            corsgate_builder_add_method(b, t.as_ptr(), t.len()),
                            r.methods([t]),
                        ),
                        Setting::RequestHeader(t) => (
                            corsgate_builder_add_request_header(b, t.as_ptr(), t.len()),
                            r.request_headers([t]),
                        ),
                        Setting::ExposeHeader(t) => (
                            corsgate_builder_add_expose_header(b, t.as_ptr(), t.len()),
                            r.expose_headers([t]),
                        ),
                        Setting::Credentials(v) => {
                            (corsgate_builder_set_credentials(b, *v), r.credentials(*v))
                        }
                        Setting::MaxAge(v) => (corsgate_builder_set_max_age(b, *v), r.max_age(*v)),
                        Setting::PrivateNetwork(v) => (
                            corsgate_builder_set_private_network(b, *v),
                            r.private_network(*v),
                        ),
                        Setting::PreflightStatus(v) => (
                            corsgate_builder_set_preflight_status(b, *v),
                            r.preflight_status(*v),
                        ),
                        Setting::DeniedPreflight(v) => {
                            let code = corsgate_builder_set_denied_preflight(b, *v);
                            let next = match v {
                                0 => r.denied_preflight(corsgate::DeniedPreflight::Reject),
                                1 => r.denied_preflight(corsgate::DeniedPreflight::Forward),
                                _ => {
                                    assert_eq!(code, corsgate_result::InvalidArgument);
                                    r
                                }
                            };
                            (if *v > 1 { corsgate_result::Ok } else { code }, next)
                        }
                        Setting::Mode(v) => {
                            let code = corsgate_builder_set_mode(b, *v);
                            let next = match v {
                                0 => r.mode(corsgate::Mode::Enforce),
                                1 => r.mode(corsgate::Mode::ReportOnly),
                                _ => {
                                    assert_eq!(code, corsgate_result::InvalidArgument);
                                    r
                                }
                            };
                            (if *v > 1 { corsgate_result::Ok } else { code }, next)
                        }
                        Setting::AllowNull(v) => (
                            corsgate_builder_set_dangerously_allow_null_origin(b, *v),
                            r.dangerously_allow_null_origin(*v),
                        ),
                        Setting::AllowInsecure(v) => (
                            corsgate_builder_set_dangerously_allow_insecure_origins(b, *v),
                            r.dangerously_allow_insecure_origins(*v),
                        ),
                    }
                };
                assert_eq!(code, corsgate_result::Ok, "{s:?}");
                rust = Some(next);
            }
            // SAFETY: NULL builders and NULL outputs are refused without a
            // crash; these calls prove it before the real build.
            unsafe {
                assert_eq!(
                    corsgate_builder_build(ptr::null_mut(), &mut policy, &mut errors),
                    corsgate_result::NullParameter
                );
                corsgate_builder_free(ptr::null_mut());
            }
            // SAFETY: `b` is live and consumed here, the outputs are locals.
            let code = unsafe { corsgate_builder_build(b, &mut policy, &mut errors) };
            let core = rust.expect("set").build().map_err(|e| e.errors().len());
            (code, Some(core))
        }
    };
    match core {
        None => {
            assert_eq!(code, corsgate_result::NullParameter);
            assert!(
                policy.is_null() && errors.is_null(),
                "outputs written on failure"
            );
            None
        }
        Some(Ok(p)) => {
            assert_eq!(code, corsgate_result::Ok);
            assert!(!policy.is_null() && errors.is_null());
            Some((policy, p))
        }
        Some(Err(n)) => {
            assert_eq!(code, corsgate_result::InvalidPolicy);
            assert!(policy.is_null() && !errors.is_null());
            // SAFETY: `errors` is a live list; the out-pointer a local.
            unsafe {
                assert_eq!(corsgate_errors_len(errors), n);
                let mut e: corsgate_build_error = std::mem::zeroed();
                for i in 0..n {
                    assert_eq!(corsgate_errors_get(errors, i, &mut e), corsgate_result::Ok);
                    assert!(e.message.len > 0, "an error without a message");
                }
                assert_eq!(
                    corsgate_errors_get(errors, n, &mut e),
                    corsgate_result::OutOfRange
                );
                assert_eq!(
                    corsgate_errors_get(errors, 0, ptr::null_mut()),
                    corsgate_result::NullParameter
                );
                assert_eq!(
                    corsgate_errors_get(ptr::null(), 0, &mut e),
                    corsgate_result::NullParameter
                );
                assert_eq!(corsgate_errors_len(ptr::null()), 0);
                corsgate_errors_free(errors);
                corsgate_errors_free(ptr::null_mut());
            }
            None
        }
    }
}

fn field(state: u8, value: &[u8]) -> corsgate_field {
    corsgate_field {
        state: state % 4,
        value: corsgate_slice {
            ptr: value.as_ptr(),
            len: value.len(),
        },
    }
}

fn core_field(state: u8, value: &[u8]) -> Option<corsgate::Field<'_>> {
    let mut f = corsgate::Field::Absent;
    match state % 4 {
        0 => {}
        1 => f.add(value),
        2 => f = corsgate::Field::Repeated,
        _ => return None,
    }
    Some(f)
}

fuzz_target!(|input: Input| {
    let Some((handle, policy)) = build(&input.source) else {
        return;
    };
    // References held on `handle`: ours plus clones still to free.
    let mut refs = 1usize;
    let mut last: Option<(corsgate_decision, Vec<u8>)> = None;
    for op in input.ops.iter().take(16) {
        let mut out = blank_decision();
        match op {
            Op::Head {
                head,
                how,
                null_policy,
                null_out,
            } => {
                let (p, n) = pass(head, *how);
                let pol = if *null_policy { ptr::null() } else { handle };
                let dst: *mut corsgate_decision =
                    if *null_out { ptr::null_mut() } else { &mut out };
                // SAFETY: live or NULL pointers only.
                let code = unsafe { corsgate_evaluate_head(pol, p, n, dst) };
                match seen(head, *how) {
                    Some(bytes) if !*null_policy && !*null_out => {
                        assert_eq!(code, corsgate_result::Ok);
                        let d = policy.evaluate_head(bytes);
                        assert_mirrors(&out, &d);
                        let mut buf = vec![0u8; d.serialized_len()];
                        d.write_headers(&mut buf).expect("sized");
                        last = Some((out, buf));
                    }
                    _ => {
                        assert_eq!(code, corsgate_result::NullParameter);
                        assert!(untouched(&out), "decision written on failure");
                    }
                }
            }
            Op::Headers {
                method,
                headers,
                array,
            } => {
                let c: Vec<corsgate_header> = headers
                    .iter()
                    .take(24)
                    .map(|(n, v, how)| {
                        let (vp, vn) = pass(v, *how);
                        corsgate_header {
                            name: corsgate_slice {
                                ptr: n.as_ptr(),
                                len: n.len(),
                            },
                            value: corsgate_slice { ptr: vp, len: vn },
                        }
                    })
                    .collect();
                let (hp, hn) = match array {
                    Pass::Whole => (c.as_ptr(), c.len()),
                    Pass::NullEmpty => (ptr::null(), 0),
                    Pass::NullWithLength => (ptr::null(), c.len().max(1)),
                    Pass::Empty => (c.as_ptr(), 0),
                };
                // SAFETY: live or NULL pointers with matching lengths.
                let code = unsafe {
                    corsgate_evaluate_headers(
                        handle,
                        method.as_ptr(),
                        method.len(),
                        hp,
                        hn,
                        &mut out,
                    )
                };
                let pairs: Option<Vec<(&[u8], &[u8])>> = match array {
                    Pass::NullWithLength => None,
                    Pass::NullEmpty | Pass::Empty => Some(Vec::new()),
                    Pass::Whole => headers
                        .iter()
                        .take(24)
                        .map(|(n, v, how)| seen(v, *how).map(|v| (&n[..], v)))
                        .collect(),
                };
                match pairs {
                    Some(pairs) => {
                        assert_eq!(code, corsgate_result::Ok);
                        assert_mirrors(&out, &policy.evaluate(method, &pairs));
                    }
                    None => {
                        assert_eq!(code, corsgate_result::NullParameter);
                        assert!(untouched(&out));
                    }
                }
            }
            Op::View {
                method,
                origin,
                acrm,
                lines,
                lines_how,
            } => {
                let c_lines: Vec<corsgate_slice> = lines
                    .iter()
                    .take(8)
                    .map(|l| corsgate_slice {
                        ptr: l.as_ptr(),
                        len: l.len(),
                    })
                    .collect();
                let (lp, ln) = match lines_how {
                    Pass::Whole => (c_lines.as_ptr(), c_lines.len()),
                    Pass::NullEmpty => (ptr::null(), 0),
                    Pass::NullWithLength => (ptr::null(), c_lines.len().max(1)),
                    Pass::Empty => (c_lines.as_ptr(), 0),
                };
                let view = corsgate_view {
                    method: corsgate_slice {
                        ptr: method.as_ptr(),
                        len: method.len(),
                    },
                    origin: field(origin.0, &origin.1),
                    request_method: field(acrm.0, &acrm.1),
                    request_private_network: field(0, b""),
                    request_headers: lp,
                    request_headers_count: ln,
                };
                // SAFETY: the view and everything it points to are live.
                let code = unsafe { corsgate_evaluate_view(handle, &view, &mut out) };
                let fields = core_field(origin.0, &origin.1).zip(core_field(acrm.0, &acrm.1));
                match (fields, lines_how) {
                    (_, Pass::NullWithLength) => assert_eq!(code, corsgate_result::NullParameter),
                    (None, _) => assert_eq!(code, corsgate_result::InvalidArgument),
                    (Some((o, m)), how) => {
                        assert_eq!(code, corsgate_result::Ok);
                        let mut v = corsgate::RequestView::new(method);
                        v.origin = o;
                        v.request_method = m;
                        if matches!(how, Pass::Whole) {
                            for l in lines.iter().take(8) {
                                v.request_headers.add(l);
                            }
                        }
                        assert_mirrors(&out, &policy.evaluate_view(&v));
                    }
                }
                if code != corsgate_result::Ok {
                    assert!(untouched(&out));
                }
                // SAFETY: NULL view and NULL policy are refused.
                unsafe {
                    assert_eq!(
                        corsgate_evaluate_view(handle, ptr::null(), &mut out),
                        corsgate_result::NullParameter
                    );
                    assert_eq!(
                        corsgate_evaluate_view(ptr::null(), &view, &mut out),
                        corsgate_result::NullParameter
                    );
                }
            }
            Op::Write {
                cap,
                null_buf,
                null_len,
            } => {
                let Some((d, expected)) = &last else { continue };
                let mut buf = vec![0xAAu8; usize::from(*cap)];
                let (bp, bn) = if *null_buf {
                    (ptr::null_mut(), usize::from(*cap))
                } else {
                    (buf.as_mut_ptr(), buf.len())
                };
                let mut len = usize::MAX;
                let lp: *mut usize = if *null_len { ptr::null_mut() } else { &mut len };
                // SAFETY: `d` holds slices into the policy, static data and
                // head bytes that `last` keeps alive; `buf` is `bn` bytes.
                let code = unsafe { corsgate_decision_write(d, bp, bn, lp) };
                if *null_len || (*null_buf && bn > 0) {
                    assert_eq!(code, corsgate_result::NullParameter);
                    assert!(buf.iter().all(|&b| b == 0xAA));
                } else if bn >= expected.len() {
                    assert_eq!(code, corsgate_result::Ok);
                    assert_eq!(len, expected.len());
                    assert_eq!(&buf[..len], &expected[..]);
                } else {
                    assert_eq!(code, corsgate_result::InsufficientBuffer);
                    assert_eq!(len, expected.len(), "needed size");
                    assert!(buf.iter().all(|&b| b == 0xAA), "short buffer written to");
                }
            }
            Op::Clone => {
                // SAFETY: `handle` is live (refs ≥ 1).
                let c = unsafe { corsgate_policy_clone(handle) };
                assert_eq!(c, handle);
                // SAFETY: NULL is tolerated.
                assert!(unsafe { corsgate_policy_clone(ptr::null()) }.is_null());
                refs += 1;
            }
            Op::Free => {
                // Keep one reference for the rest of the input.
                if refs > 1 {
                    // SAFETY: we own one of the `refs` references.
                    unsafe { corsgate_policy_free(handle) };
                    refs -= 1;
                }
                // SAFETY: NULL is tolerated.
                unsafe { corsgate_policy_free(ptr::null()) };
            }
            Op::Strings(code) => {
                for s in [
                    corsgate_result_str(*code),
                    corsgate_reason_str(*code),
                    corsgate_kind_str(*code),
                ] {
                    // SAFETY: the ABI returns static slices.
                    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
                    assert!(
                        bytes
                            .iter()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_'),
                        "{:?}",
                        String::from_utf8_lossy(bytes)
                    );
                }
                let _ = corsgate_abi_version();
            }
        }
    }
    // The decision in `last` borrows from the policy: drop it first.
    drop(last);
    for _ in 0..refs {
        // SAFETY: we own exactly `refs` references.
        unsafe { corsgate_policy_free(handle) };
    }
});
