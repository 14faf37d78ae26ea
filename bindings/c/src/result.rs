//! The result codes every fallible export returns.
//!
//! Kept apart from the panic boundary and the slice helpers, which both
//! speak in these codes, so that neither depends on the other.

/// The outcome of a fallible call. `CORSGATE_RESULT_OK` is 0; every other
/// value is an error, and the call wrote none of its outputs (except where
/// a function documents otherwise: `CORSGATE_RESULT_INVALID_POLICY` hands
/// out the error list, `CORSGATE_RESULT_INSUFFICIENT_BUFFER` the size
/// needed).
///
/// The numbers are stable: codes are only ever appended.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_result {
    /// Success.
    Ok = 0,
    /// A pointer argument was NULL, or a `{ptr, len}` pair had a NULL
    /// pointer with a non-zero length.
    NullParameter = 1,
    /// An argument is outside its documented set (an unknown enumeration
    /// value, a decision with more than `CORSGATE_MAX_HEADERS` headers, a
    /// length that cannot be a real object size, a pointer that is not
    /// aligned for the type it points to).
    InvalidArgument = 2,
    /// A text argument (an origin, a method, a header name) is not UTF-8.
    InvalidUtf8 = 3,
    /// The policy was refused; the error list says why.
    InvalidPolicy = 4,
    /// The output buffer is too small; the size needed was reported.
    InsufficientBuffer = 5,
    /// An index is past the end of a list.
    OutOfRange = 6,
    /// corsgate panicked. This is a bug in corsgate; the call had no effect
    /// other than, possibly, consuming a handle it documents as consumed.
    Panic = 7,
}

impl corsgate_result {
    pub(crate) const ALL: [corsgate_result; 8] = [
        corsgate_result::Ok,
        corsgate_result::NullParameter,
        corsgate_result::InvalidArgument,
        corsgate_result::InvalidUtf8,
        corsgate_result::InvalidPolicy,
        corsgate_result::InsufficientBuffer,
        corsgate_result::OutOfRange,
        corsgate_result::Panic,
    ];

    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            corsgate_result::Ok => "ok",
            corsgate_result::NullParameter => "null_parameter",
            corsgate_result::InvalidArgument => "invalid_argument",
            corsgate_result::InvalidUtf8 => "invalid_utf8",
            corsgate_result::InvalidPolicy => "invalid_policy",
            corsgate_result::InsufficientBuffer => "insufficient_buffer",
            corsgate_result::OutOfRange => "out_of_range",
            corsgate_result::Panic => "panic",
        }
    }
}

/// What an export's body returns: `Err` carries the code to hand back.
pub(crate) type Outcome = Result<(), corsgate_result>;
