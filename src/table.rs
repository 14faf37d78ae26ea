//! A compact open-addressing set of byte strings, built once per policy.
//!
//! Lookups cost one hash of the probe plus, on average, about one slot visit
//! (the load factor is kept at or below one half), whatever the number of
//! entries: this is what keeps a 1,000-origin policy as fast as a 1-origin
//! one. Keys come from the policy, never from requests, so no request can
//! lengthen a probe chain.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use crate::syntax::word;

/// How keys are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fold {
    /// Byte-exact (origins, methods).
    Exact,
    /// ASCII case-insensitive (header names). Keys are stored lower-case.
    AsciiCase,
}

/// A set of byte strings mapping each to a `u32` payload.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    fold: Fold,
    /// `slots[i]` is 0 when empty, else `1 + index` into `entries`.
    slots: Box<[u32]>,
    mask: usize,
    entries: Vec<(Box<[u8]>, u32)>,
    /// The length of the longest key: longer probes are rejected unhashed.
    max_len: usize,
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Tables with at most this many keys are scanned rather than hashed.
const SCAN_MAX: usize = 4;

#[inline(always)]
fn mix(h: u64, w: u64) -> u64 {
    (h ^ w).wrapping_mul(K).rotate_left(27)
}

/// Byte equality without a `memcmp` call: keys are short (origins, header
/// names), so word-wise compares inline beat the call's set-up.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let whole = a
        .chunks_exact(8)
        .zip(b.chunks_exact(8))
        .all(|(x, y)| word(Some(x)) == word(Some(y)));
    // The last word overlaps the previous one when `n` is not a multiple of 8.
    whole && word(a.get(n - 8..)) == word(b.get(n - 8..))
}

/// A small multiply-rotate hash; quality only needs to spread policy keys.
/// Keys of 8 bytes or more are read as whole words, the last one overlapping
/// the previous, so no byte-by-byte tail or variable-length copy is needed.
#[inline]
fn hash(bytes: &[u8], fold: Fold) -> u64 {
    // One copy per fold, so that the exact one carries no no-op masking.
    match fold {
        Fold::Exact => hash_masked::<0>(bytes),
        Fold::AsciiCase => hash_masked::<0x2020_2020_2020_2020>(bytes),
    }
}

#[inline(always)]
fn hash_masked<const MASK: u64>(bytes: &[u8]) -> u64 {
    let mask = MASK;
    let n = bytes.len();
    let mut h = (n as u64).wrapping_mul(K);
    if n >= 8 {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            h = mix(h, word(Some(c)) | mask);
        }
        if !chunks.remainder().is_empty() {
            h = mix(h, word(bytes.get(n - 8..)) | mask);
        }
    } else {
        let mut w = 0u64;
        for (i, &b) in bytes.iter().enumerate() {
            w |= u64::from(b | (mask as u8)) << (8 * i);
        }
        h = mix(h, w);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(K);
    h ^ (h >> 29)
}

impl Table {
    /// Builds the table. Duplicate keys keep the first payload.
    pub(crate) fn new(fold: Fold, keys: impl IntoIterator<Item = (Box<[u8]>, u32)>) -> Table {
        let mut entries: Vec<(Box<[u8]>, u32)> = Vec::new();
        for (k, v) in keys {
            let k = match fold {
                Fold::Exact => k,
                Fold::AsciiCase => k.to_ascii_lowercase().into_boxed_slice(),
            };
            if !entries.iter().any(|(e, _)| *e == k) {
                entries.push((k, v));
            }
        }
        let cap = (entries.len() * 2).next_power_of_two().max(8);
        let mut slots = vec![0u32; cap].into_boxed_slice();
        let mask = cap - 1;
        for (i, (k, _)) in entries.iter().enumerate() {
            let mut at = (hash(k, fold) as usize) & mask;
            while slots.get(at).is_some_and(|&s| s != 0) {
                at = (at + 1) & mask;
            }
            if let Some(s) = slots.get_mut(at) {
                *s = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
        }
        let max_len = entries.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        Table {
            fold,
            slots,
            mask,
            entries,
            max_len,
        }
    }

    /// The payload stored for `key`, if any.
    #[inline]
    pub(crate) fn get(&self, key: &[u8]) -> Option<u32> {
        if key.len() > self.max_len {
            return None;
        }
        if self.entries.len() <= SCAN_MAX {
            // Methods and request-header lists are a handful of keys: a
            // length-filtered scan costs less than hashing the probe.
            return self
                .entries
                .iter()
                .find(|(k, _)| self.matches(k, key))
                .map(|&(_, v)| v);
        }
        let mut at = (hash(key, self.fold) as usize) & self.mask;
        loop {
            let slot = *self.slots.get(at)?;
            let (k, v) = self.entries.get(slot.checked_sub(1)? as usize)?;
            if self.matches(k, key) {
                return Some(*v);
            }
            at = (at + 1) & self.mask;
        }
    }

    #[inline(always)]
    fn matches(&self, k: &[u8], key: &[u8]) -> bool {
        match self.fold {
            Fold::Exact => same(k, key),
            // Keys are stored lower-case and browsers send lower case:
            // try the plain comparison first.
            Fold::AsciiCase => same(k, key) || k.eq_ignore_ascii_case(key),
        }
    }

    /// Whether `key` is in the set.
    #[inline]
    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn max_len(&self) -> usize {
        self.max_len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use std::prelude::rust_2021::*;

    fn table(fold: Fold, keys: &[&str]) -> Table {
        Table::new(
            fold,
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k.as_bytes().to_vec().into_boxed_slice(), i as u32)),
        )
    }

    #[test]
    fn exact_lookups() {
        let keys: Vec<_> = (0..1000)
            .map(|i| format!("https://app{i}.example.net"))
            .collect();
        let refs: Vec<&str> = keys.iter().map(|s| s.as_str()).collect();
        let t = table(Fold::Exact, &refs);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(t.get(k.as_bytes()), Some(i as u32));
        }
        assert_eq!(t.get(b"https://app1000.example.net"), None);
        assert_eq!(t.get(b"https://APP1.example.net"), None);
        assert_eq!(t.get(b""), None);
    }

    #[test]
    fn case_folded_lookups() {
        let t = table(
            Fold::AsciiCase,
            &["Content-Type", "x-request-id", "authorization"],
        );
        assert!(t.contains(b"content-type"));
        assert!(t.contains(b"CONTENT-TYPE"));
        assert!(t.contains(b"X-Request-Id"));
        assert!(!t.contains(b"x-request-i"));
        assert!(!t.contains(b"x-request-idd"));
        assert_eq!(t.len(), 3);
        assert_eq!(t.max_len(), "authorization".to_string().len());
    }

    #[test]
    fn empty_table() {
        let t = table(Fold::Exact, &[]);
        assert!(!t.contains(b"a"));
        assert!(!t.contains(b""));
    }
}
