//! Evaluation: one call per request, from any of the three input forms.

use core::ptr::{self, addr_of, NonNull};

use corsgate::{DecisionSink, Field, Header, Kind, Reason, RequestView};

use crate::boundary::guard;
use crate::decision::{corsgate_decision, CORSGATE_MAX_HEADERS};
use crate::policy::{corsgate_policy, policy_ref};
use crate::result::corsgate_result;
use crate::slice::{
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

/// Writes an outcome straight into the caller's `corsgate_decision`, as the
/// engine works it out: no `Decision` in between, no 400-byte copy out of
/// one, and only the headers the caller may read are written.
struct Publisher {
    out: NonNull<corsgate_decision>,
    count: usize,
}

impl Publisher {
    /// # Safety
    ///
    /// `out` is valid for writing one `corsgate_decision` for as long as
    /// the publisher lives. (It is non-NULL and aligned by construction: it
    /// comes from `required_out`.)
    unsafe fn new(out: NonNull<corsgate_decision>) -> Publisher {
        Publisher { out, count: 0 }
    }

    /// Stores the header count: the last write of an evaluation.
    fn finish(self) {
        let p = self.out.as_ptr();
        // SAFETY: `p` is writable for one `corsgate_decision` (`new`'s
        // precondition); `addr_of_mut!` makes a field pointer without
        // creating a reference to memory C may have left uninitialised, and
        // `write` neither reads nor drops the old contents (plain data).
        unsafe { ptr::addr_of_mut!((*p).header_count).write(self.count) };
    }
}

impl<'a> DecisionSink<'a> for Publisher {
    #[inline(always)]
    fn begin(&mut self, kind: Kind, reason: Reason) {
        let p = self.out.as_ptr();
        self.count = 0;
        // SAFETY: as in `finish`: field pointers into memory writable for
        // one `corsgate_decision`, written without reading.
        unsafe {
            ptr::addr_of_mut!((*p).kind).write(kind as u8);
            ptr::addr_of_mut!((*p).allowed).write(reason == Reason::Ok);
            ptr::addr_of_mut!((*p).reason).write(reason as u8);
            ptr::addr_of_mut!((*p).status).write(0);
        }
    }

    #[inline(always)]
    fn set_status(&mut self, status: u16) {
        let p = self.out.as_ptr();
        // SAFETY: as in `finish`.
        unsafe { ptr::addr_of_mut!((*p).status).write(status) };
    }

    #[inline(always)]
    fn push(&mut self, header: Header<'a>) {
        if self.count >= CORSGATE_MAX_HEADERS {
            // The engine never pushes more (`DecisionSink`'s contract).
            return;
        }
        let p = self.out.as_ptr();
        // SAFETY: as in `finish`; entry `count < CORSGATE_MAX_HEADERS` is
        // inside the array.
        unsafe {
            ptr::addr_of_mut!((*p).headers)
                .cast::<corsgate_header>()
                .add(self.count)
                .write(corsgate_header {
                    name: corsgate_slice::from_bytes(header.name.as_bytes()),
                    value: corsgate_slice::from_bytes(header.value),
                });
        }
        self.count += 1;
    }
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
/// `policy` is NULL or a live handle, not released during the call; `head`
/// points to `head_len` readable bytes that no one writes during the call (or is NULL with length 0);
/// `decision_out` is NULL or points to writable memory for one
/// `corsgate_decision`. The decision borrows from the policy and from
/// `head`.
#[no_mangle]
pub unsafe extern "C" fn corsgate_evaluate_head(
    policy: *const corsgate_policy,
    head: *const u8,
    head_len: usize,
    decision_out: *mut corsgate_decision,
) -> corsgate_result {
    guard(|| {
        let out = required_out(decision_out)?;
        // SAFETY: `policy` is NULL or a live handle whose reference the
        // caller holds for the whole call (the `# Safety` section above),
        // which is `policy_ref`'s precondition for a borrow of this call.
        let policy = unsafe { policy_ref(policy) }?;
        // SAFETY: `(head, head_len)` is NULL with length 0 or `head_len`
        // readable bytes unmodified during the call (the `# Safety` section
        // above); the borrow ends with the call (C keeps only the pointers
        // in the decision, which the header tells it not to outlive `head`).
        let head = unsafe { input_bytes(head, head_len) }?;
        // SAFETY: `decision_out` is writable (the `# Safety` section above).
        let mut publisher = unsafe { Publisher::new(out) };
        policy.evaluate_head_into(head, &mut publisher);
        publisher.finish();
        Ok(())
    })
}

/// Evaluates a request given as its method and its header list, as HTTP/2
/// and HTTP/3 hosts, Go and Python hold them. Names are matched ASCII
/// case-insensitively; values are trimmed of spaces and tabs; repeated
/// fields are kept as repeated.
///
/// # Safety
///
/// `policy` is NULL or a live handle, not released during the call;
/// `method` points to `method_len` readable bytes; `headers` points to `header_count` initialised
/// `corsgate_header`s, each of whose two slices points to readable bytes
/// (pointers may be NULL with a zero length); `decision_out` is NULL or
/// points to writable memory for one `corsgate_decision`. No one writes any
/// of the input during the call. The decision borrows from the policy and
/// from the header values.
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
        let out = required_out(decision_out)?;
        // SAFETY: as in `corsgate_evaluate_head`: a NULL or live `policy`
        // held for the call (the `# Safety` section above).
        let policy = unsafe { policy_ref(policy) }?;
        // SAFETY: `(method, method_len)` is NULL with length 0 or readable,
        // unmodified bytes (the `# Safety` section above).
        let method = unsafe { input_bytes(method, method_len) }?;
        // SAFETY: `(headers, header_count)` is NULL with count 0 or
        // `header_count` initialised, unmodified headers (the `# Safety`
        // section above; alignment and size are checked by `input_array`).
        let headers = unsafe { input_array(headers, header_count) }?;
        let mut view = RequestView::new(method);
        for h in headers {
            // SAFETY: each header's name and value slices are NULL with
            // length 0 or readable, unmodified bytes (the `# Safety` section
            // above).
            let (name, value) = unsafe { (h.name.as_bytes()?, h.value.as_bytes()?) };
            view.add_header(name, value);
        }
        // SAFETY: `decision_out` is writable (the `# Safety` section above).
        let mut publisher = unsafe { Publisher::new(out) };
        policy.evaluate_view_into(&view, &mut publisher);
        publisher.finish();
        Ok(())
    })
}

/// Converts one of the caller's singleton fields, read through a raw
/// pointer: `value` is read only when `state` is `ONE` (the header lets C
/// leave it uninitialised otherwise), and an unknown state is an error, not
/// a transmute into `corsgate_field_state`.
///
/// # Safety
///
/// `f` is aligned and points to a `corsgate_field` whose `state` is
/// initialised and, when `state` is `ONE`, whose `value` is a readable
/// slice, unmodified for `'a`.
#[inline(always)]
unsafe fn field<'a>(f: *const corsgate_field) -> Result<Field<'a>, corsgate_result> {
    // SAFETY: `f` is aligned and `state` is initialised (this function's
    // precondition); a `u8` has no invalid values.
    let state = unsafe { addr_of!((*f).state).read() };
    let mut out = Field::Absent;
    match state {
        s if s == corsgate_field_state::Absent as u8 => {}
        s if s == corsgate_field_state::One as u8 => {
            // SAFETY: `state` is `ONE`, so `value` is initialised and its
            // bytes readable for `'a` (this function's precondition); a
            // `corsgate_slice` (a pointer and a `usize`) has no invalid bit
            // patterns, and `as_bytes` checks NULL, length and alignment.
            let value = unsafe { addr_of!((*f).value).read().as_bytes() }?;
            out.add(value);
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
/// `view` is NULL or points to a `corsgate_view` in which `method`,
/// `request_headers`, `request_headers_count` and the three fields' `state`
/// are initialised, and each field's `value` too when its state is
/// `CORSGATE_FIELD_STATE_ONE` (it is not read otherwise); every slice it
/// refers to is readable and the line array holds `request_headers_count`
/// initialised slices; no one writes any of it during the call. `policy` is
/// NULL or a live handle, not released during the call; `decision_out` is NULL or points to writable
/// memory for one `corsgate_decision`. The decision borrows from the policy
/// and from the view's slices.
#[no_mangle]
pub unsafe extern "C" fn corsgate_evaluate_view(
    policy: *const corsgate_policy,
    view: *const corsgate_view,
    decision_out: *mut corsgate_decision,
) -> corsgate_result {
    guard(|| {
        // The view is read field by field through raw pointers, never as a
        // `&corsgate_view`, because parts of it may be uninitialised.
        let v = required(view)?.as_ptr();
        let out = required_out(decision_out)?;
        // SAFETY: as in `corsgate_evaluate_head`: a NULL or live `policy`
        // held for the call (the `# Safety` section above).
        let policy = unsafe { policy_ref(policy) }?;
        // SAFETY: `v` is non-NULL and aligned (`required`), and these three
        // fields are initialised (the `# Safety` section above); slices,
        // pointers and `usize`s have no invalid bit patterns.
        let (method, lines, line_count) = unsafe {
            (
                addr_of!((*v).method).read(),
                addr_of!((*v).request_headers).read(),
                addr_of!((*v).request_headers_count).read(),
            )
        };
        // SAFETY: `(lines, line_count)` is NULL with count 0 or
        // `line_count` initialised, unmodified slices (the `# Safety`
        // section above; alignment and size are checked by `input_array`).
        let lines = unsafe { input_array(lines, line_count) }?;
        // The view is filled in where it lies: assembling it from locals
        // moved its 170 bytes once more on every request.
        // SAFETY: the method slice is readable and unmodified during the
        // call (the `# Safety` section above).
        let mut view = RequestView::new(unsafe { method.as_bytes() }?);
        for line in lines {
            // SAFETY: every line slice is readable and unmodified during
            // the call (the `# Safety` section above).
            view.request_headers.add(unsafe { line.as_bytes() }?);
        }
        // SAFETY: `v` is aligned, so are its fields, and each field meets
        // `field`'s precondition (the `# Safety` section above).
        unsafe {
            view.origin = field(addr_of!((*v).origin))?;
            view.request_method = field(addr_of!((*v).request_method))?;
            view.request_private_network = field(addr_of!((*v).request_private_network))?;
        }
        // SAFETY: `decision_out` is writable (the `# Safety` section above).
        let mut publisher = unsafe { Publisher::new(out) };
        policy.evaluate_view_into(&view, &mut publisher);
        publisher.finish();
        Ok(())
    })
}
