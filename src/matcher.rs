//! The compiled origin allow-list.
//!
//! Three tables, each probed at most a bounded number of times per request:
//! exact origins (one probe), host-with-any-port patterns (one probe) and
//! `*.` suffix patterns (one probe per label boundary whose suffix length
//! some pattern actually has, so a 100-label hostile origin still costs a
//! handful of probes).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::origin::{HostKind, Origin};
use crate::table::{Exact, Table};

/// How a `*.` rule constrains the port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WildPort {
    Default,
    Exact(Box<[u8]>),
    Any,
}

#[derive(Clone, Debug)]
pub(crate) struct WildRule {
    pub scheme: Box<[u8]>,
    pub port: WildPort,
}

/// What the compiler feeds the matcher.
pub(crate) enum Entry {
    /// A full serialized origin.
    Exact(Box<[u8]>),
    /// `scheme://host`, any port (the default included).
    AnyPort(Box<[u8]>),
    /// `scheme://*.suffix[:port]`.
    Subdomains { suffix: Box<[u8]>, rule: WildRule },
}

#[derive(Clone, Debug)]
pub(crate) struct OriginMatcher {
    exact: Table<Exact>,
    any_port: Table<Exact>,
    suffixes: Table<Exact>,
    rules: Vec<Vec<WildRule>>,
    /// Bit `n` set when some suffix is `n` bytes long.
    suffix_lengths: [u64; 4],
}

impl OriginMatcher {
    pub(crate) fn new(entries: Vec<Entry>) -> OriginMatcher {
        let mut exact = Vec::new();
        let mut any_port = Vec::new();
        let mut wild: Vec<(Box<[u8]>, WildRule)> = Vec::new();
        let mut suffix_lengths = [0u64; 4];
        for e in entries {
            match e {
                Entry::Exact(o) => exact.push(o),
                Entry::AnyPort(o) => any_port.push(o),
                Entry::Subdomains { suffix, rule } => {
                    if let Some(word) = suffix_lengths.get_mut(suffix.len() / 64) {
                        *word |= 1 << (suffix.len() % 64);
                    }
                    wild.push((suffix, rule));
                }
            }
        }
        // Rules are grouped by suffix through the suffix table itself: a
        // key's position among the distinct keys is its index in `rules`.
        let suffixes: Table<Exact> = Table::new(wild.iter().map(|(s, _)| s.clone()));
        let mut rules: Vec<Vec<WildRule>> = alloc::vec![Vec::new(); suffixes.len()];
        for (suffix, rule) in wild {
            if let Some(r) = suffixes.get(&suffix).and_then(|i| rules.get_mut(i)) {
                r.push(rule);
            }
        }
        OriginMatcher {
            exact: Table::new(exact),
            any_port: Table::new(any_port),
            suffixes,
            rules,
            suffix_lengths,
        }
    }

    /// Whether `raw` is one of the exact origins. Those were validated when
    /// the policy was built, so a hit needs no parsing of the request value.
    #[inline]
    pub(crate) fn contains_exact(&self, raw: &[u8]) -> bool {
        self.exact.contains(raw)
    }

    /// Whether the (already validated) origin `o` is admitted by a pattern
    /// other than an exact origin.
    #[inline]
    pub(crate) fn allows_pattern(&self, o: &Origin<'_>) -> bool {
        if self.any_port.len() != 0 && self.any_port.contains(o.without_port) {
            return true;
        }
        if self.rules.is_empty() || o.host_kind != HostKind::Domain {
            return false;
        }
        for dot in memchr::memchr_iter(b'.', o.host) {
            let suffix = o.host.get(dot + 1..).unwrap_or(&[]);
            let n = suffix.len();
            let has_len = self
                .suffix_lengths
                .get(n / 64)
                .is_some_and(|w| w & (1 << (n % 64)) != 0);
            if !has_len {
                continue;
            }
            let Some(i) = self.suffixes.get(suffix) else {
                continue;
            };
            let rules = self.rules.get(i).map_or(&[][..], |r| &r[..]);
            if rules.iter().any(|r| r.admits(o)) {
                return true;
            }
        }
        false
    }
}

impl WildRule {
    fn admits(&self, o: &Origin<'_>) -> bool {
        *self.scheme == *o.scheme
            && match (&self.port, o.port) {
                (WildPort::Any, _) => true,
                (WildPort::Default, None) => true,
                (WildPort::Exact(p), Some(q)) => **p == *q,
                _ => false,
            }
    }
}
