//! Whether a `*.` pattern reaches names that anyone can register, by the
//! Public Suffix List (the `psl` crate: the whole list, ICANN and private
//! sections, compiled in; its version is the crate's, see the README).
//!
//! `*.base` admits every name under `base`. Strangers own some of those
//! names exactly when a public suffix sits at or under `base`: they
//! register `name.suffix`. The list answers for `base` itself and, through
//! a probe label, for a wildcard rule right under it; it cannot be asked
//! which exact rules lie two or more labels under a registrable `base`
//! (`s3.amazonaws.com` under `amazonaws.com`), so those pass.
//!
//! With the list's special rules:
//! * a name a wildcard rule covers is a public suffix (`*.ck` makes
//!   `foo.ck` one, so `*.foo.ck` is shared), and a wildcard rule under
//!   `base` makes `base` shared too (`*.ck`: `*.ck` is shared);
//! * an exception rule makes its name registrable (`!www.ck`: `*.www.ck`
//!   belongs to whoever holds `www.ck`, and is not shared);
//! * a label the list does not know is a public suffix by its default rule
//!   `*`, so every single-label base (`*.com`, `*.internal`) is shared.

use alloc::format;

use psl::{List, Psl};

/// A label no rule names: if `probe.base` is a public suffix, a wildcard
/// rule covers every name directly under `base`.
const PROBE: &str = "corsgate-probe";

/// Why strangers can register names under `base`, if they can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shared {
    /// `base` is itself a public suffix.
    Suffix,
    /// Every name directly under `base` is a public suffix (a wildcard
    /// rule `*.base`).
    SuffixesUnder,
}

/// Whether `*.base` admits names strangers can register, and why. `base`
/// is a validated lower-case domain, at most one trailing dot.
pub(crate) fn shared(base: &str) -> Option<Shared> {
    let base = base.strip_suffix('.').unwrap_or(base);
    if is_public_suffix(base) {
        return Some(Shared::Suffix);
    }
    is_public_suffix(&format!("{PROBE}.{base}")).then_some(Shared::SuffixesUnder)
}

/// Whether the whole of `name` is a public suffix.
fn is_public_suffix(name: &str) -> bool {
    let labels = name.as_bytes().rsplit(|&b| b == b'.');
    List.find(labels).len == name.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases() {
        // ICANN section: TLDs, multi-label ccTLD registries.
        assert_eq!(shared("com"), Some(Shared::Suffix));
        assert_eq!(shared("co.uk"), Some(Shared::Suffix));
        assert_eq!(shared("com.au"), Some(Shared::Suffix));
        assert_eq!(shared("uk.com"), Some(Shared::Suffix));
        // An IDN registry, in the punycode form browsers send (公司.cn).
        assert_eq!(shared("xn--55qx5d.cn"), Some(Shared::Suffix));
        // Private section.
        assert_eq!(shared("github.io"), Some(Shared::Suffix));
        assert_eq!(shared("s3.amazonaws.com"), Some(Shared::Suffix));
        assert_eq!(shared("pages.dev"), Some(Shared::Suffix));
        // A TLD the list does not know: its default rule.
        assert_eq!(shared("corsgate-unknown-tld"), Some(Shared::Suffix));
        // A trailing dot changes nothing.
        assert_eq!(shared("github.io."), Some(Shared::Suffix));
        // Registrable domains.
        assert_eq!(shared("example.com"), None);
        assert_eq!(shared("example.co.uk"), None);
        assert_eq!(shared("app.example.com"), None);
        assert_eq!(shared("octocat.github.io"), None);
    }

    #[test]
    fn wildcard_and_exception_rules() {
        // `*.ck` and `!www.ck`.
        assert_eq!(shared("ck"), Some(Shared::Suffix));
        assert_eq!(shared("foo.ck"), Some(Shared::Suffix));
        assert_eq!(shared("www.ck"), None);
        assert_eq!(shared("bar.www.ck"), None);
        // `*.compute.amazonaws.com`: the base is registrable, but every
        // name directly under it is a public suffix.
        assert_eq!(shared("compute.amazonaws.com"), Some(Shared::SuffixesUnder));
        assert_eq!(
            shared("eu-west-1.compute.amazonaws.com"),
            Some(Shared::Suffix)
        );
    }
}
