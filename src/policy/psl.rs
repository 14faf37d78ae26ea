//! A compact public-suffix check and a punycode validator, both used only
//! while building a policy.
//!
//! The suffix list is deliberately small: every single-label suffix (`com`,
//! `io`, any TLD) counts as public, plus the multi-label registries and
//! hosting platforms where strangers get sibling subdomains and that CORS
//! policies realistically name. It is not the full Public Suffix List: a
//! `*.` pattern over a private registry it does not know (say, a small
//! hosting company's shared domain) passes this check. The canary probe and
//! code review remain the defence there.

/// Multi-label public suffixes. Single labels are always public.
const MULTI_LABEL: &[&str] = &[
    // Country-code second levels.
    "co.uk",
    "org.uk",
    "ac.uk",
    "gov.uk",
    "me.uk",
    "ltd.uk",
    "plc.uk",
    "net.uk",
    "co.jp",
    "ne.jp",
    "or.jp",
    "ac.jp",
    "go.jp",
    "com.au",
    "net.au",
    "org.au",
    "edu.au",
    "gov.au",
    "co.nz",
    "org.nz",
    "net.nz",
    "com.br",
    "net.br",
    "org.br",
    "gov.br",
    "com.cn",
    "net.cn",
    "org.cn",
    "gov.cn",
    "edu.cn",
    "com.tw",
    "org.tw",
    "com.hk",
    "org.hk",
    "com.sg",
    "edu.sg",
    "co.in",
    "net.in",
    "org.in",
    "gov.in",
    "ac.in",
    "co.za",
    "org.za",
    "gov.za",
    "com.mx",
    "org.mx",
    "gob.mx",
    "com.ar",
    "com.tr",
    "org.tr",
    "co.kr",
    "or.kr",
    "ac.kr",
    "com.ru",
    "org.ru",
    "com.ua",
    "co.il",
    "org.il",
    "ac.il",
    "com.pl",
    "com.es",
    "co.id",
    "or.id",
    "com.my",
    "com.ph",
    "com.vn",
    "com.pk",
    "com.ng",
    "com.eg",
    "com.sa",
    "co.th",
    "in.th",
    "ac.th",
    // Hosting platforms that hand out sibling subdomains.
    "github.io",
    "gitlab.io",
    "githubusercontent.com",
    "herokuapp.com",
    "herokussl.com",
    "vercel.app",
    "now.sh",
    "netlify.app",
    "netlify.com",
    "pages.dev",
    "workers.dev",
    "web.app",
    "firebaseapp.com",
    "appspot.com",
    "cloudfunctions.net",
    "run.app",
    "azurewebsites.net",
    "azurestaticapps.net",
    "cloudapp.net",
    "blob.core.windows.net",
    "trafficmanager.net",
    "cloudfront.net",
    "amazonaws.com",
    "s3.amazonaws.com",
    "elasticbeanstalk.com",
    "awsapps.com",
    "blogspot.com",
    "wordpress.com",
    "fly.dev",
    "onrender.com",
    "glitch.me",
    "repl.co",
    "replit.dev",
    "ngrok.io",
    "ngrok-free.app",
    "ngrok.app",
    "surge.sh",
    "bitbucket.io",
    "readthedocs.io",
    "pythonanywhere.com",
    "deno.dev",
    "up.railway.app",
    "codesandbox.io",
    "csb.app",
    "stackblitz.io",
    "webcontainer.io",
    "myshopify.com",
    "digitaloceanspaces.com",
    "ondigitalocean.app",
    "r2.dev",
    "supabase.co",
    "translate.goog",
];

/// Whether `suffix` (a host without its `*.`) is a public suffix, so that
/// `*.suffix` would admit origins registered by anyone.
pub(crate) fn is_public_suffix(suffix: &str) -> bool {
    let s = suffix.strip_suffix('.').unwrap_or(suffix);
    !s.contains('.') || MULTI_LABEL.contains(&s)
}

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
    use std::prelude::rust_2021::*;

    #[test]
    fn suffixes() {
        assert!(is_public_suffix("com"));
        assert!(is_public_suffix("github.io"));
        assert!(is_public_suffix("co.uk"));
        assert!(!is_public_suffix("example.com"));
        assert!(!is_public_suffix("example.co.uk"));
    }

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
