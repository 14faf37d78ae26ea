//! The decision handed back to C, its serialisation and the names of its
//! codes.

use core::ptr::addr_of;

use corsgate::{Kind, Reason};

use crate::boundary::{guard, guard_or};
use crate::result::corsgate_result;
use crate::slice::{corsgate_header, corsgate_slice, required, required_out};

/// The most headers a decision carries (`corsgate_decision.headers`).
pub const CORSGATE_MAX_HEADERS: usize = 12;

// The header's constant is a literal, so cbindgen can print it; it must
// match the core's.
const _: () = assert!(CORSGATE_MAX_HEADERS == corsgate::MAX_HEADERS);

/// What kind of request was evaluated (`corsgate_decision.kind`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_kind {
    /// No `Origin`, or a raw head that could not be framed: hand the
    /// request to the application, adding only the decision's headers
    /// (`Vary`).
    NotCors = 0,
    /// A preflight: answer it with `status` and the headers, unless
    /// `status` is 0 (forwarded denied preflight, report-only mode).
    Preflight = 1,
    /// An actual CORS request: let the application answer and add the
    /// headers to its response.
    Actual = 2,
}

/// Why a request was decided the way it was (`corsgate_decision.reason`).
/// The numbers and names are stable and only ever appended.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_reason {
    /// Allowed.
    Ok = 0,
    /// No `Origin` field: not a CORS request.
    NoOrigin = 1,
    /// The `Origin` field is empty, repeated, over-long or not a serialized
    /// origin.
    InvalidOrigin = 2,
    /// The origin is well formed but not admitted by the policy.
    OriginNotAllowed = 3,
    /// The preflight asks for a method the policy does not allow.
    MethodNotAllowed = 4,
    /// The preflight asks for a request header the policy does not allow.
    HeaderNotAllowed = 5,
    /// The preflight asks for private-network access, which is not granted.
    PrivateNetworkNotAllowed = 6,
    /// The raw head is not well-framed HTTP/1.x.
    MalformedRequest = 7,
    /// The raw head is larger than the scanner reads (64 KiB).
    RequestTooLarge = 8,
}

/// The engine's answer for one request, filled in by the
/// `corsgate_evaluate_*` functions into memory the caller owns (typically
/// on the stack).
///
/// The `header_count` first entries of `headers` are the CORS response
/// headers to add, in order. Their names are static. Their values borrow
/// from the policy (configured lists, max-age digits), from static data, or
/// from the request input (the echoed origin and request headers): a
/// decision stays valid as long as both the policy reference and the input
/// bytes it was evaluated from stay alive and unmodified. Values never
/// contain CR, LF, NUL or bytes outside visible ASCII, space and tab.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_decision {
    /// A `corsgate_kind` value.
    pub kind: u8,
    /// Whether the request is allowed (never true for `CORSGATE_KIND_NOT_CORS`).
    pub allowed: bool,
    /// A `corsgate_reason` value.
    pub reason: u8,
    /// The status to answer with (204/200 allowed or 403 denied preflight,
    /// 400/431 for a raw head that cannot be read), or 0 when the
    /// application answers.
    pub status: u16,
    /// How many entries of `headers` are set (at most `CORSGATE_MAX_HEADERS`).
    pub header_count: usize,
    /// The response headers; entries past `header_count` are unspecified.
    pub headers: [corsgate_header; CORSGATE_MAX_HEADERS],
}

const UNSET: corsgate_header = corsgate_header {
    name: corsgate_slice::EMPTY,
    value: corsgate_slice::EMPTY,
};

const SEPARATOR: &[u8] = b": ";
const CRLF: &[u8] = b"\r\n";

/// Checks a header name or value read from caller memory and returns its
/// bytes: not `{NULL, n > 0}` (`NullParameter`), not inside the output
/// buffer `[buf, buf + cap)` and free of CR, LF and NUL (`InvalidArgument`
/// for both: the first would make the output depend on the copy order, the
/// second would let a hand-built decision forge header lines).
///
/// # Safety
///
/// Unless `s.ptr` is NULL, `s` names `s.len` readable bytes that no one
/// writes during the call.
unsafe fn checked_field<'a>(
    s: corsgate_slice,
    buf: *mut u8,
    cap: usize,
) -> Result<&'a [u8], corsgate_result> {
    // Addresses only: no pointer is dereferenced to compare them. Valid
    // objects do not wrap around the address space, so saturation never
    // changes the answer for real ones.
    let (start, out) = (s.ptr as usize, buf as usize);
    if s.len > 0 && cap > 0 && start < out.saturating_add(cap) && out < start.saturating_add(s.len)
    {
        return Err(corsgate_result::InvalidArgument);
    }
    // SAFETY: the `# Safety` section above is `as_bytes`' precondition;
    // `{NULL, n > 0}` and over-long lengths come back as errors.
    let bytes = unsafe { s.as_bytes() }?;
    if memchr::memchr3(b'\r', b'\n', 0, bytes).is_some() {
        return Err(corsgate_result::InvalidArgument);
    }
    Ok(bytes)
}

/// Serialises the decision's headers as `Name: value\r\n` lines into `buf`
/// (`cap` bytes), the form HTTP/1.x responses and most proxies' header
/// APIs take.
///
/// On success stores the number of bytes written in `*len_out` (0 when
/// there are no headers). When `cap` is too small, writes nothing to `buf`,
/// stores the number of bytes needed in `*len_out` and returns
/// `CORSGATE_RESULT_INSUFFICIENT_BUFFER`; `buf` may be NULL when `cap` is 0,
/// to ask for the size. Only `header_count` and `headers` are read, so a
/// decision assembled by hand works too, and is checked like any input:
/// `CORSGATE_RESULT_INVALID_ARGUMENT` (and nothing written or reported) for
/// a name or value that holds CR, LF or NUL or that lies, even partly,
/// inside `buf[0..cap)`, and for a `header_count` above
/// `CORSGATE_MAX_HEADERS`. `buf` may hold the decision struct itself.
///
/// # Safety
///
/// `decision` is NULL or points to a decision whose `header_count` and
/// first `header_count` entries of `headers` are initialised (the other
/// fields are not read), each naming readable bytes; `buf` points to `cap`
/// writable bytes (or is NULL with `cap` 0); `len_out` is NULL or points
/// to writable memory for one `size_t`.
#[no_mangle]
pub unsafe extern "C" fn corsgate_decision_write(
    decision: *const corsgate_decision,
    buf: *mut u8,
    cap: usize,
    len_out: *mut usize,
) -> corsgate_result {
    guard(|| {
        let decision = required(decision)?;
        let len_out = required_out(len_out)?;
        if buf.is_null() && cap > 0 {
            return Err(corsgate_result::NullParameter);
        }
        let d = decision.as_ptr();
        // SAFETY: `d` is non-NULL and aligned (`required`) and points to a
        // readable decision whose `header_count` is initialised (the
        // `# Safety` section above); a `usize` has no invalid values. The
        // field is read through a raw pointer: no `&corsgate_decision` is
        // made, because the rest of a hand-assembled decision may be
        // uninitialised, and `allowed` may not even be a valid `bool`.
        let count = unsafe { addr_of!((*d).header_count).read() };
        if count > CORSGATE_MAX_HEADERS {
            return Err(corsgate_result::InvalidArgument);
        }
        // Only the first `count` entries are copied: the rest are
        // "unspecified" (C need not initialise them), and reading
        // uninitialised memory as pointers would be undefined behaviour.
        // They are copied rather than borrowed because `buf` may hold the
        // decision struct itself, which the writes below then overwrite.
        let mut copy = [UNSET; CORSGATE_MAX_HEADERS];
        // SAFETY: the source is the decision's `headers` array (aligned as
        // a field of an aligned struct), of which the first
        // `count <= CORSGATE_MAX_HEADERS` entries are initialised and
        // readable (the `# Safety` section above); a `corsgate_header` is
        // four pointer-sized integers, valid for any bit pattern. The
        // destination is a local array of the same length, so it cannot
        // overlap the source.
        unsafe {
            core::ptr::copy_nonoverlapping(
                addr_of!((*d).headers).cast::<corsgate_header>(),
                copy.as_mut_ptr(),
                count,
            );
        }
        // First pass: check every name and value and add up the size, so
        // that nothing is written unless everything is valid and fits. No
        // allocation: hosts call this once per request.
        let mut lines = [(&[][..], &[][..]); CORSGATE_MAX_HEADERS];
        let mut needed = 0usize;
        for (h, line) in copy.iter().zip(lines.iter_mut()).take(count) {
            // SAFETY: the `# Safety` section above declares the first
            // `count` entries' slices readable and unmodified during the
            // call (and `buf`, which is written below, holds none of them:
            // `checked_field` refuses any overlap).
            *line = unsafe {
                (
                    checked_field(h.name, buf, cap)?,
                    checked_field(h.value, buf, cap)?,
                )
            };
            needed = [line.0.len(), line.1.len(), SEPARATOR.len() + CRLF.len()]
                .into_iter()
                .try_fold(needed, usize::checked_add)
                .filter(|&total| total <= isize::MAX as usize)
                .ok_or(corsgate_result::InvalidArgument)?;
        }
        if needed > cap {
            // SAFETY: `len_out` is non-NULL and aligned (`required_out`) and
            // writable for one `size_t` (the `# Safety` section above).
            unsafe { len_out.as_ptr().write(needed) };
            return Err(corsgate_result::InsufficientBuffer);
        }
        let mut at = buf;
        for (name, value) in lines.iter().take(count) {
            for chunk in [*name, SEPARATOR, *value, CRLF] {
                if chunk.is_empty() {
                    continue;
                }
                // SAFETY: the chunk is not empty, so `cap >= needed > 0` and
                // `buf` is non-NULL with `cap` writable bytes (the
                // `# Safety` section above). `at` is `buf` advanced by the
                // bytes written so far; with this chunk the total is at most
                // `needed <= cap`, so the copy and the `add` stay inside
                // `buf` (and `needed <= isize::MAX`). The chunk is a static
                // constant or a checked field, which lies outside
                // `buf[0..cap)`, so the two ranges do not overlap.
                unsafe {
                    core::ptr::copy_nonoverlapping(chunk.as_ptr(), at, chunk.len());
                    at = at.add(chunk.len());
                }
            }
        }
        // SAFETY: as above: non-NULL, aligned and writable for one `size_t`.
        unsafe { len_out.as_ptr().write(needed) };
        Ok(())
    })
}

fn static_slice(s: Option<&'static str>) -> corsgate_slice {
    s.map_or(corsgate_slice::EMPTY, |s| {
        corsgate_slice::from_bytes(s.as_bytes())
    })
}

/// The stable snake_case name of a reason code (`"ok"`,
/// `"origin_not_allowed"`, …), as used in logs and by every binding, or an
/// empty slice for an unknown code. The bytes are static.
#[no_mangle]
pub extern "C" fn corsgate_reason_str(reason: u32) -> corsgate_slice {
    guard_or(corsgate_slice::EMPTY, || {
        let reason = u8::try_from(reason).ok().and_then(Reason::from_code);
        static_slice(reason.map(Reason::as_str))
    })
}

/// The stable name of a kind code (`"not_cors"`, `"preflight"`,
/// `"actual"`), or an empty slice for an unknown code. The bytes are
/// static.
#[no_mangle]
pub extern "C" fn corsgate_kind_str(kind: u32) -> corsgate_slice {
    guard_or(corsgate_slice::EMPTY, || {
        let kind = [Kind::NotCors, Kind::Preflight, Kind::Actual]
            .into_iter()
            .find(|k| *k as u32 == kind);
        static_slice(kind.map(Kind::as_str))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_reasons_mirror_the_core() {
        use corsgate_reason as R;
        let mirror = [
            R::Ok,
            R::NoOrigin,
            R::InvalidOrigin,
            R::OriginNotAllowed,
            R::MethodNotAllowed,
            R::HeaderNotAllowed,
            R::PrivateNetworkNotAllowed,
            R::MalformedRequest,
            R::RequestTooLarge,
        ];
        assert_eq!(
            mirror.len(),
            Reason::ALL.len(),
            "a reason was added to the core"
        );
        for (m, r) in mirror.into_iter().zip(Reason::ALL) {
            assert_eq!(m as u8, r as u8);
            assert_eq!(format!("{m:?}"), format!("{r:?}"));
        }
        for (m, k) in [
            corsgate_kind::NotCors,
            corsgate_kind::Preflight,
            corsgate_kind::Actual,
        ]
        .into_iter()
        .zip([Kind::NotCors, Kind::Preflight, Kind::Actual])
        {
            assert_eq!(m as u8, k as u8);
            assert_eq!(format!("{m:?}"), format!("{k:?}"));
        }
    }
}
