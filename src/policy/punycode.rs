//! The punycode validator for `xn--` labels of configured hosts: a
//! browser only ever sends valid punycode, so an `xn--` label that does not
//! decode could never match. Used only while building a policy.

/// Whether `input` (a label without its `xn--`) decodes as RFC 3492
/// punycode to at least one non-ASCII code point.
pub(crate) fn is_valid_punycode(input: &str) -> bool {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    const INITIAL_BIAS: u32 = 72;
    const INITIAL_N: u32 = 128;

    fn adapt(mut delta: u32, num_points: u32, first: bool) -> u32 {
        delta /= if first { DAMP } else { 2 };
        delta += delta / num_points.max(1);
        let mut k = 0;
        while delta > ((BASE - T_MIN) * T_MAX) / 2 {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
    }
    fn digit(b: u8) -> Option<u32> {
        match b {
            b'a'..=b'z' => Some(u32::from(b - b'a')),
            b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
            _ => None,
        }
    }

    let (basic, extended) = match input.rfind('-') {
        Some(i) => (
            input.get(..i).unwrap_or(""),
            input.get(i + 1..).unwrap_or(""),
        ),
        None => ("", input),
    };
    if extended.is_empty() || !basic.is_ascii() {
        return false;
    }
    let mut out_len = basic.chars().count() as u32;
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut bytes = extended.bytes().peekable();
    let mut decoded_any = false;
    while bytes.peek().is_some() {
        let old_i = i;
        let mut w: u32 = 1;
        let mut k = BASE;
        loop {
            let Some(d) = bytes.next().and_then(digit) else {
                return false;
            };
            let Some(step) = d.checked_mul(w) else {
                return false;
            };
            let Some(next) = i.checked_add(step) else {
                return false;
            };
            i = next;
            let t = if k <= bias {
                T_MIN
            } else if k >= bias + T_MAX {
                T_MAX
            } else {
                k - bias
            };
            if d < t {
                break;
            }
            let Some(nw) = w.checked_mul(BASE - t) else {
                return false;
            };
            w = nw;
            k += BASE;
        }
        out_len += 1;
        bias = adapt(i - old_i, out_len, old_i == 0);
        let Some(nn) = n.checked_add(i / out_len) else {
            return false;
        };
        n = nn;
        i %= out_len;
        if char::from_u32(n).is_none() || n < 0x80 {
            return false;
        }
        decoded_any = true;
        i += 1;
    }
    decoded_any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode() {
        assert!(is_valid_punycode("bcher-kva")); // bücher
        assert!(is_valid_punycode("mnchen-3ya")); // münchen
        assert!(is_valid_punycode("wgv71a119e")); // 日本語
        assert!(!is_valid_punycode("f"));
        assert!(!is_valid_punycode(""));
        assert!(!is_valid_punycode("abc-"));
        assert!(!is_valid_punycode("99999999999999"));
    }
}
