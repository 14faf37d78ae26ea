//! Evaluation: one call per request, from any of the three input forms.

use corsgate_engine::{Decision, Field, FieldLines, Policy, RequestView};

use super::boundary::{corsgate_result, guard, Outcome};
use super::decision::corsgate_decision;
use super::policy::{corsgate_policy, policy_ref};
use super::slice::{
    corsgate_header, corsgate_slice, input_array, input_bytes, required, required_out,
};

/// How often a singleton request field occurs (`corsgate_field.state`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_field_state {
    /// The field is not in the request.
    Absent = 0,
    /// The field occurs once, with `corsgate_field.value`.
    One = 1,
    /// The field occurs more than once (CORS fails closed on it).
    Repeated = 2,
}

/// One singleton request field as the host sees it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_field {
    /// A `corsgate_field_state` value.
    pub state: u8,
    /// The value, read only when `state` is `CORSGATE_FIELD_STATE_ONE`;
    /// surrounding spaces and tabs are ignored.
    pub value: corsgate_slice,
}

/// The CORS-relevant parts of a request, for hosts that have already
/// indexed their headers (nginx). All slices borrow from the caller.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_view {
    /// The request method, byte-exact (`OPTIONS`, `GET`, …).
    pub method: corsgate_slice,
    /// `Origin`.
    pub origin: corsgate_field,
    /// `Access-Control-Request-Method`.
    pub request_method: corsgate_field,
    /// `Access-Control-Request-Private-Network`.
    pub request_private_network: corsgate_field,
    /// Every `Access-Control-Request-Headers` line, in order (may be NULL
    /// when the count is 0). More than four lines are refused as a whole.
    pub request_headers: *const corsgate_slice,
    /// The number of entries in `request_headers`.
    pub request_headers_count: usize,
}

/// Runs the common tail of every evaluation: the policy is checked, the
/// view built, the decision written.
///
/// # Safety
///
/// `policy` is NULL or live for `'a`; `decision_out` is writable.
unsafe fn evaluate<'a>(
    policy: *const corsgate_policy,
    decision_out: *mut corsgate_decision,
    view: impl FnOnce(&'a Policy) -> Result<Decision<'a>, corsgate_result>,
) -> Outcome {
    let out = required_out(decision_out)?;
    // SAFETY: per the contract.
    let policy = unsafe { policy_ref(policy) }?;
    let decision = view(policy)?;
    // SAFETY: non-NULL and, per the contract, writable.
    unsafe { out.as_ptr().write(corsgate_decision::describe(&decision)) };
    Ok(())
}

/// Evaluates a raw HTTP/1.x request head: the request line, the header
/// lines and the empty line that ends them (anything after it is
/// ignored). CRLF and bare LF line ends are accepted.
///
/// A head that is not well framed is not an error: the decision says
/// `CORSGATE_KIND_NOT_CORS` with reason `malformed_request` (status 400) or
/// `request_too_large` (status 431, over 64 KiB).
///
/// # Safety
///
/// `policy` is a live handle; `head` points to `head_len` readable bytes
/// (or is NULL with length 0); `decision_out` is writable. The decision
/// borrows from the policy and from `head`.
#[no_mangle]
pub unsafe extern "C" fn corsgate_evaluate_head(
    policy: *const corsgate_policy,
    head: *const u8,
    head_len: usize,
    decision_out: *mut corsgate_decision,
) -> corsgate_result {
    guard(|| {
        // SAFETY: per the contract.
        unsafe {
            evaluate(policy, decision_out, |p| {
                let head = input_bytes(head, head_len)?;
                Ok(p.evaluate_head(head))
            })
        }
    })
}

/// Evaluates a request given as its method and its header list, as HTTP/2
/// and HTTP/3 hosts, Go and Python hold them. Names are matched ASCII
/// case-insensitively; values are trimmed of spaces and tabs; repeated
/// fields are kept as repeated.
///
/// # Safety
///
/// `policy` is a live handle; `method` points to `method_len` readable
/// bytes; `headers` points to `header_count` headers whose slices are
/// readable (either may be NULL with a zero length); `decision_out` is
/// writable. The decision borrows from the policy and from the header
/// values.
#[no_mangle]
pub unsafe extern "C" fn corsgate_evaluate_headers(
    policy: *const corsgate_policy,
    method: *const u8,
    method_len: usize,
    headers: *const corsgate_header,
    header_count: usize,
    decision_out: *mut corsgate_decision,
) -> corsgate_result {
    guard(|| {
        // SAFETY: per the contract.
        unsafe {
            evaluate(policy, decision_out, |p| {
                let method = input_bytes(method, method_len)?;
                let mut view = RequestView::new(method);
                for h in input_array(headers, header_count)? {
                    view.add_header(h.name.as_bytes()?, h.value.as_bytes()?);
                }
                Ok(p.evaluate_view(&view))
            })
        }
    })
}

/// Converts one of the caller's singleton fields.
///
/// # Safety
///
/// The value slice is readable for `'a` when `state` is one.
unsafe fn field<'a>(f: &corsgate_field) -> Result<Field<'a>, corsgate_result> {
    let mut out = Field::Absent;
    match f.state {
        s if s == corsgate_field_state::Absent as u8 => {}
        s if s == corsgate_field_state::One as u8 => {
            // SAFETY: per the contract.
            out.add(unsafe { f.value.as_bytes() }?);
        }
        s if s == corsgate_field_state::Repeated as u8 => out = Field::Repeated,
        _ => return Err(corsgate_result::InvalidArgument),
    }
    Ok(out)
}

/// Evaluates a pre-extracted request view. Same semantics as the other two
/// forms; an unknown field state is `CORSGATE_RESULT_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `policy` is a live handle; `view` points to a readable view whose
/// slices and line array are readable; `decision_out` is writable. The
/// decision borrows from the policy and from the view's slices.
#[no_mangle]
pub unsafe extern "C" fn corsgate_evaluate_view(
    policy: *const corsgate_policy,
    view: *const corsgate_view,
    decision_out: *mut corsgate_decision,
) -> corsgate_result {
    guard(|| {
        let view = required(view)?;
        // SAFETY: per the contract. Every field of `corsgate_view` is valid
        // for any bit pattern, so the reference cannot observe an invalid
        // value.
        let v = unsafe { view.as_ref() };
        // SAFETY: per the contract.
        unsafe {
            evaluate(policy, decision_out, |p| {
                let mut lines = FieldLines::new();
                for line in input_array(v.request_headers, v.request_headers_count)? {
                    lines.add(line.as_bytes()?);
                }
                let view = RequestView {
                    method: v.method.as_bytes()?,
                    origin: field(&v.origin)?,
                    request_method: field(&v.request_method)?,
                    request_headers: lines,
                    request_private_network: field(&v.request_private_network)?,
                };
                Ok(p.evaluate_view(&view))
            })
        }
    })
}
