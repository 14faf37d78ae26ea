//! Borrowed byte ranges across the ABI, and the checked conversions from
//! the raw pointers C hands in.

use core::ptr::NonNull;

use crate::result::corsgate_result;

/// A borrowed run of bytes: `len` bytes starting at `ptr`, never
/// NUL-terminated. `{NULL, 0}` is a valid empty slice; `{NULL, n > 0}` is
/// refused with `CORSGATE_RESULT_NULL_PARAMETER`. Slices returned by
/// corsgate may point to static data (names), into a policy or into the
/// caller's own input; each function says which.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_slice {
    /// The first byte, or NULL when `len` is 0.
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

impl corsgate_slice {
    /// An empty slice with a valid, static, non-NULL pointer, so that C code
    /// may pass it to `memcmp` or `printf("%.*s")` without a special case.
    pub(crate) const EMPTY: corsgate_slice = corsgate_slice {
        ptr: b"".as_ptr(),
        len: 0,
    };

    /// Borrows `bytes`; the caller keeps them alive as long as C may read
    /// the slice.
    pub(crate) const fn from_bytes(bytes: &[u8]) -> corsgate_slice {
        corsgate_slice {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }

    /// The bytes this slice describes.
    ///
    /// # Safety
    ///
    /// Unless `ptr` is NULL, `ptr` must point to `len` readable bytes that
    /// stay valid and unmodified for `'a`.
    pub(crate) unsafe fn as_bytes<'a>(self) -> Result<&'a [u8], corsgate_result> {
        // SAFETY: `input_bytes` requires of `(self.ptr, self.len)` exactly
        // what this function's own `# Safety` section requires of the slice.
        unsafe { input_bytes(self.ptr, self.len) }
    }
}

/// A header as a name and a value, both borrowed. In a decision the name is
/// static and the value borrows from the policy or from the request input;
/// as an input, both borrow from the caller.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_header {
    /// The field name, e.g. `Access-Control-Allow-Origin`.
    pub name: corsgate_slice,
    /// The field value.
    pub value: corsgate_slice,
}

/// Reads a caller's `{ptr, len}` byte input.
///
/// # Safety
///
/// Unless `ptr` is NULL, `ptr` must point to `len` readable bytes that stay
/// valid and unmodified for `'a`.
pub(crate) unsafe fn input_bytes<'a>(
    ptr: *const u8,
    len: usize,
) -> Result<&'a [u8], corsgate_result> {
    // SAFETY: `u8` has alignment 1 and every bit pattern is a valid `u8`,
    // so `input_array::<u8>` needs exactly this function's precondition:
    // `len` readable bytes at a non-NULL `ptr`, unmodified for `'a`.
    unsafe { input_array(ptr, len) }
}

/// Reads a caller's `{ptr, count}` array input.
///
/// `(NULL, 0)` is the empty array (`slice::from_raw_parts` must never see a
/// NULL pointer, even for zero elements, so that case is answered without
/// it); `(NULL, n > 0)` is `NullParameter`; a misaligned pointer or a
/// count whose byte size exceeds `isize::MAX` is `InvalidArgument`.
///
/// # Safety
///
/// Unless `ptr` is NULL, `ptr` must point to `count` initialised values of
/// `T`, inside one allocation, that stay valid and unmodified for `'a`.
/// (Alignment and the size limit are checked, not assumed.)
pub(crate) unsafe fn input_array<'a, T>(
    ptr: *const T,
    count: usize,
) -> Result<&'a [T], corsgate_result> {
    if ptr.is_null() {
        return if count == 0 {
            Ok(&[])
        } else {
            Err(corsgate_result::NullParameter)
        };
    }
    // `from_raw_parts` requires an aligned pointer and the whole object to
    // fit in `isize::MAX` bytes; anything else is a caller bug, reported
    // rather than undefined.
    if !ptr.is_aligned() {
        return Err(corsgate_result::InvalidArgument);
    }
    match count.checked_mul(size_of::<T>()) {
        Some(bytes) if bytes <= isize::MAX as usize => {}
        _ => return Err(corsgate_result::InvalidArgument),
    }
    // SAFETY: `ptr` is non-NULL and aligned for `T` (both checked above),
    // `count * size_of::<T>()` fits in `isize` (checked above), and this
    // function's caller guarantees `count` initialised values of `T` in one
    // allocation behind `ptr`, not written to for `'a`, so no `&mut` to
    // them can coexist with the returned slice.
    Ok(unsafe { core::slice::from_raw_parts(ptr, count) })
}

/// Reads a caller's `{ptr, len}` text input, which must be UTF-8.
///
/// # Safety
///
/// As for [`input_bytes`].
pub(crate) unsafe fn input_str<'a>(ptr: *const u8, len: usize) -> Result<&'a str, corsgate_result> {
    // SAFETY: this function's precondition is `input_bytes`'s, verbatim.
    let bytes = unsafe { input_bytes(ptr, len) }?;
    core::str::from_utf8(bytes).map_err(|_| corsgate_result::InvalidUtf8)
}

/// A required pointer argument (an input handle or struct): non-NULL
/// (`NullParameter` otherwise) and aligned for `T` (`InvalidArgument`
/// otherwise). C never produces a misaligned object, so the check costs
/// correct callers nothing and turns a bad cast into an error code instead
/// of undefined behaviour on the first read.
pub(crate) fn required<T>(ptr: *const T) -> Result<NonNull<T>, corsgate_result> {
    required_out(ptr.cast_mut())
}

/// A required output location (or mutable handle): as [`required`].
pub(crate) fn required_out<T>(ptr: *mut T) -> Result<NonNull<T>, corsgate_result> {
    let ptr = NonNull::new(ptr).ok_or(corsgate_result::NullParameter)?;
    if ptr.is_aligned() {
        Ok(ptr)
    } else {
        Err(corsgate_result::InvalidArgument)
    }
}

/// Whether a pointer handed to a function that cannot report an error
/// (`*_free`, `corsgate_policy_clone`) may be a handle: non-NULL and
/// aligned. Handles come from `Box::into_raw` or `Arc::into_raw`, which are
/// always aligned, so anything else is a caller bug that is ignored rather
/// than given to `from_raw`.
pub(crate) fn handle_shaped<T>(ptr: *const T) -> bool {
    !ptr.is_null() && ptr.is_aligned()
}

/// An optional output location: `Ok(None)` for NULL, and as
/// [`required_out`] otherwise.
pub(crate) fn optional_out<T>(ptr: *mut T) -> Result<Option<NonNull<T>>, corsgate_result> {
    if ptr.is_null() {
        Ok(None)
    } else {
        required_out(ptr).map(Some)
    }
}
