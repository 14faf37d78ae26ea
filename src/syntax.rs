//! Byte classes from RFC 9110 used by every parser in the crate.

/// `tchar` from RFC 9110 §5.6.2, as a lookup table.
// Evaluated at compile time: an out-of-range index would fail the build.
#[allow(clippy::indexing_slicing)]
static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    t
};

/// Whether `b` may appear in a token (a method or a field name).
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR.get(usize::from(b)).copied().unwrap_or(false)
}

/// Whether `s` is a non-empty token.
#[inline]
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Optional whitespace: SP or HTAB.
#[inline]
pub(crate) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Whether `s` is non-empty and neither starts nor ends with OWS: true of
/// nearly every value, and two byte tests where trimming is two searches.
#[inline(always)]
pub(crate) fn ows_free_ends(s: &[u8]) -> bool {
    matches!((s.first(), s.last()), (Some(&a), Some(&b)) if !is_ows(a) && !is_ows(b))
}

/// `s` without leading and trailing OWS.
#[inline(always)]
pub(crate) fn trim_ows(s: &[u8]) -> &[u8] {
    if ows_free_ends(s) {
        return s;
    }
    let start = s.iter().position(|&b| !is_ows(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| !is_ows(b)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or(&[])
}

/// Eight bytes as a little-endian word; anything but exactly eight bytes
/// (a short slice, `None`) reads as zero.
#[inline(always)]
pub(crate) fn word(s: Option<&[u8]>) -> u64 {
    u64::from_le_bytes(s.and_then(|s| s.try_into().ok()).unwrap_or([0; 8]))
}

/// Bit 0x20 of every byte of `t` that is a lower-case ASCII letter.
#[inline(always)]
pub(crate) const fn lower_letter_bits(t: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let h = t & LOW7;
    // Per 7-bit lane: `h + 0x1F` reaches 0x80 from `a` up, `h + 0x05` from
    // just past `z`; the lanes cannot carry into each other.
    let letters = (h + 0x1F1F_1F1F_1F1F_1F1F) & !(h + 0x0505_0505_0505_0505) & !t;
    (letters & 0x8080_8080_8080_8080) >> 2
}

/// Whether `s` equals `lower`, a lower-case ASCII string, ignoring ASCII
/// case. Eight bytes at a time: a byte may differ from `lower`'s only in
/// bit 0x20, and only where `lower` has a letter, which is exactly ASCII
/// case folding. With a constant `lower` the masks fold away at compile time.
#[inline(always)]
pub(crate) fn eq_ignore_case_lower(s: &[u8], lower: &[u8]) -> bool {
    let n = s.len();
    if n != lower.len() {
        return false;
    }
    if n < 8 {
        return s.eq_ignore_ascii_case(lower);
    }
    let same = |at: usize| {
        let t = word(lower.get(at..at + 8));
        (word(s.get(at..at + 8)) ^ t) & !lower_letter_bits(t) == 0
    };
    // The last word overlaps the previous one when `n` is not a multiple of 8.
    (0..n / 8).all(|i| same(8 * i)) && same(n - 8)
}

/// Whether `name` is `authorization`, in any case. Only the `*` grant
/// asks (it does not cover this name); a listed one is known by its table
/// position.
#[cfg(feature = "alloc")]
#[inline]
pub(crate) fn is_authorization(name: &[u8]) -> bool {
    eq_ignore_case_lower(name, b"authorization")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn tokens() {
        assert!(is_token(b"GET"));
        assert!(is_token(b"x-request-id"));
        assert!(!is_token(b""));
        assert!(!is_token(b"a b"));
        assert!(!is_token(b"a:b"));
        assert!(!is_token(b"\xc3\xa4"));
    }

    #[test]
    fn trimming() {
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
        assert_eq!(trim_ows(b""), b"");
    }

    #[test]
    fn letter_bits_mark_exactly_the_lower_case_letters() {
        for b in 0..=255u8 {
            let bits = lower_letter_bits(u64::from(b) << 16);
            let want = if b.is_ascii_lowercase() {
                0x20 << 16
            } else {
                0
            };
            assert_eq!(bits, want, "byte {b:#04x}");
        }
    }

    #[test]
    fn case_folding_compare_is_exact() {
        let target = b"access-control-request-method";
        assert!(eq_ignore_case_lower(
            b"Access-Control-Request-Method",
            target
        ));
        assert!(eq_ignore_case_lower(
            b"ACCESS-CONTROL-REQUEST-METHOD",
            target
        ));
        assert!(eq_ignore_case_lower(target, target));
        assert!(!eq_ignore_case_lower(
            b"access-control-request-metho",
            target
        ));
        // Every single-byte change other than a letter's case is refused,
        // including '-' (0x2D) against CR (0x0D), one bit 0x20 apart.
        for i in 0..target.len() {
            for b in 0..=255u8 {
                let mut s = *target;
                s[i] = b;
                let want = b.eq_ignore_ascii_case(&target[i]);
                assert_eq!(eq_ignore_case_lower(&s, target), want, "{i} {b:#04x}");
            }
        }
        assert!(eq_ignore_case_lower(b"OrIgIn", b"origin"));
        assert!(!eq_ignore_case_lower(b"accept", b"origin"));
    }

    #[test]
    fn authorization_in_any_case_only() {
        assert!(is_authorization(b"authorization"));
        assert!(is_authorization(b"AUTHORIZATION"));
        assert!(is_authorization(b"AuThOrIzAtIoN"));
        assert!(!is_authorization(b"authorizatio"));
        assert!(!is_authorization(b"authorizations"));
        // Bytes one bit away from the name's letters.
        assert!(!is_authorization(b"authorizatio\x0e"));
        assert!(!is_authorization(b"authorizatio\xee"));
        for i in 0..13 {
            let mut n = *b"authorization";
            n[i] ^= 0x01;
            assert!(!is_authorization(&n), "{n:?}");
        }
    }
}
