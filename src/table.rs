//! A compact set of byte strings, built once per policy.
//!
//! Every slot holds what a lookup compares: a key's length and its first and
//! last eight bytes, read as two words. For keys of up to 16 bytes (methods,
//! header names) those decide equality inside the slot, with no pointer to
//! follow; longer keys (origins) are compared in full once their slot
//! matched, and in a hashed set carry a hash of all their bytes instead of
//! their last word (origins share their ends). A probe is read into the
//! same two words once; a case-insensitive set never folds it, but keeps
//! with each key the bits a probe may flip (bit 0x20 where the key has a
//! letter).
//!
//! Sets of up to [`SCAN_MAX`] keys are scanned; larger ones are hashed with
//! open addressing at a load factor of at most one half, so a lookup costs
//! one hash and about one slot visit whatever the number of keys: this is
//! what keeps a 1,000-origin policy as fast as a 1-origin one. Keys come
//! from the policy, never from requests, so no request can lengthen a probe
//! chain.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Debug;

use crate::syntax::{eq_ignore_case_lower, lower_letter_bits, word};

/// How a set compares keys.
pub(crate) trait Fold {
    /// What a slot keeps, besides the key's words, to compare a probe's
    /// words with them.
    type Care: Copy + Debug;
    /// The `Care` of a stored key's words.
    fn care(head: u64, tail: u64) -> Self::Care;
    /// Whether a probe's words equal a stored key's.
    fn same_words(key: [u64; 2], probe: [u64; 2], care: Self::Care) -> bool;
    /// A word as the hash sees it: case variants of a key hash alike.
    fn hash_word(w: u64) -> u64;
    /// A key as it is stored.
    fn store(key: Box<[u8]>) -> Box<[u8]>;
    /// Whether `probe` equals the stored `key`, compared in full.
    fn same(key: &[u8], probe: &[u8]) -> bool;
}

/// Byte-exact keys (origins, methods).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Exact {}

/// ASCII case-insensitive keys (header names), stored lower-case.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AsciiCase {}

impl Fold for Exact {
    type Care = ();

    fn care(_: u64, _: u64) {}

    #[inline(always)]
    fn same_words(key: [u64; 2], probe: [u64; 2], _: ()) -> bool {
        // Non-short-circuiting: two compares and one branch.
        (key[0] == probe[0]) & (key[1] == probe[1])
    }

    #[inline(always)]
    fn hash_word(w: u64) -> u64 {
        w
    }

    fn store(key: Box<[u8]>) -> Box<[u8]> {
        key
    }

    #[inline(always)]
    fn same(key: &[u8], probe: &[u8]) -> bool {
        let n = key.len();
        if n != probe.len() {
            return false;
        }
        if n < 8 {
            return key == probe;
        }
        // A plain loop: the iterator version's `zip` was left out of line.
        let mut at = 0;
        while at + 8 < n {
            if word(key.get(at..at + 8)) != word(probe.get(at..at + 8)) {
                return false;
            }
            at += 8;
        }
        // The last word overlaps the previous one when `n` is not a
        // multiple of 8.
        word(key.get(n - 8..)) == word(probe.get(n - 8..))
    }
}

impl Fold for AsciiCase {
    /// The bits of each word a probe must match: all but bit 0x20 of the
    /// key's letters. Matching them is exactly ASCII case folding.
    type Care = [u64; 2];

    fn care(head: u64, tail: u64) -> [u64; 2] {
        [!lower_letter_bits(head), !lower_letter_bits(tail)]
    }

    #[inline(always)]
    fn same_words(key: [u64; 2], probe: [u64; 2], care: [u64; 2]) -> bool {
        ((key[0] ^ probe[0]) & care[0]) | ((key[1] ^ probe[1]) & care[1]) == 0
    }

    #[inline(always)]
    fn hash_word(w: u64) -> u64 {
        // Not a case fold (it also maps CR to '-'), but case variants of a
        // key agree on it, which is all a hash needs.
        w | 0x2020_2020_2020_2020
    }

    fn store(key: Box<[u8]>) -> Box<[u8]> {
        key.to_ascii_lowercase().into_boxed_slice()
    }

    #[inline(always)]
    fn same(key: &[u8], probe: &[u8]) -> bool {
        eq_ignore_case_lower(probe, key)
    }
}

/// Sets of at most this many keys are scanned rather than hashed: a
/// handful of slot compares costs less than hashing the probe.
const SCAN_MAX: usize = 4;

/// Keys longer than this are compared in full after their slot matched.
const SLOT_DECIDES: usize = 16;

/// No key is this long: the set is built without such keys, and a longer
/// probe is rejected before any slot is read.
const VACANT: u32 = u32::MAX;

/// A key (or a probe) as slots compare it.
#[derive(Clone, Copy, Debug)]
struct Slot<C> {
    /// Bytes `0..8` (all of a shorter key, zero-padded) and bytes
    /// `len-8..len` of a key of 8 bytes or more, except that a longer key
    /// than 16 bytes in a hashed set has a hash of all its bytes in the
    /// second word; for a key under 8 bytes, 0 in the second word.
    words: [u64; 2],
    /// The key's length; [`VACANT`] marks an empty slot.
    len: u32,
    /// The key's position among the set's distinct keys.
    index: u32,
    care: C,
}

/// `bytes` as two words, without a byte loop: whole words when there are
/// eight or more bytes, else two overlapping half-words or, below four
/// bytes, the first, middle and last byte. Overlapping reads put the same
/// bytes in the same places, so OR-ing them is exact. In a hashed set, a
/// long key's second word is its hash; a scanned set compares its last
/// eight bytes instead and saves hashing the probe.
#[inline(always)]
fn words<F: Fold>(bytes: &[u8], hashed: bool) -> [u64; 2] {
    let n = bytes.len();
    if n > SLOT_DECIDES && hashed {
        let head = word(bytes.get(..8));
        let tail = word(bytes.get(n - 8..));
        return [head, hash_long::<F>(n, head, tail, bytes)];
    }
    if n >= 8 {
        [word(bytes.get(..8)), word(bytes.get(n - 8..))]
    } else if n >= 4 {
        let first = u64::from(half(bytes.get(..4)));
        let last = u64::from(half(bytes.get(n - 4..)));
        [first | last << (8 * (n - 4)), 0]
    } else if n > 0 {
        let at = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0)) << (8 * i);
        [at(0) | at(n / 2) | at(n - 1), 0]
    } else {
        [0, 0]
    }
}

/// Four bytes as a little-endian half-word; anything else reads as zero.
#[inline(always)]
fn half(s: Option<&[u8]>) -> u32 {
    u32::from_le_bytes(s.and_then(|s| s.try_into().ok()).unwrap_or([0; 4]))
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline(always)]
fn mix(h: u64, w: u64) -> u64 {
    (h ^ w).wrapping_mul(K).rotate_left(27)
}

#[inline(always)]
fn finish(mut h: u64) -> u64 {
    h ^= h >> 32;
    h = h.wrapping_mul(K);
    h ^ (h >> 29)
}

/// A small multiply-rotate hash of a long key (over 16 bytes) from all its
/// words: origins share their first and last eight bytes (`https://`,
/// `.com`). Quality only needs to spread policy keys.
#[inline(always)]
fn hash_long<F: Fold>(n: usize, head: u64, tail: u64, bytes: &[u8]) -> u64 {
    let mut h = mix(
        mix((n as u64).wrapping_mul(K), F::hash_word(head)),
        F::hash_word(tail),
    );
    let mut at = 8;
    while at + 8 < n {
        h = mix(h, F::hash_word(word(bytes.get(at..at + 8))));
        at += 8;
    }
    finish(h)
}

/// Where a hashed set starts looking for a key with these words.
#[inline(always)]
fn bucket<F: Fold>(len: usize, words: [u64; 2]) -> u64 {
    if len > SLOT_DECIDES {
        words[1]
    } else {
        finish(mix(
            mix((len as u64).wrapping_mul(K), F::hash_word(words[0])),
            F::hash_word(words[1]),
        ))
    }
}

/// The keys as stored, without repeats (each kept at its first position)
/// and without keys of 4 GiB or more. Linear: repeats are found through a
/// scratch open-addressing index of positions, with the lookups' own hash,
/// since nginx rebuilds every policy on each reload and a policy may list
/// 100,000 origins.
fn distinct<F: Fold>(keys: impl IntoIterator<Item = Box<[u8]>>) -> Vec<Box<[u8]>> {
    let keys = keys.into_iter();
    let mut distinct: Vec<Box<[u8]>> = Vec::with_capacity(keys.size_hint().0);
    // Grown (and rebuilt) whenever it would become more than half full.
    let mut index: Vec<u32> = Vec::new();
    for k in keys {
        let k = F::store(k);
        if k.len() >= VACANT as usize {
            continue;
        }
        if distinct.len() * 2 >= index.len() {
            index = vec![VACANT; (distinct.len() * 4).max(16).next_power_of_two()];
            for (i, d) in distinct.iter().enumerate() {
                let at = vacant_or_same(&index, &distinct, d);
                if let Some(slot) = index.get_mut(at) {
                    *slot = u32::try_from(i).unwrap_or(VACANT);
                }
            }
        }
        let at = vacant_or_same(&index, &distinct, &k);
        if index.get(at) == Some(&VACANT) {
            if let Some(slot) = index.get_mut(at) {
                *slot = u32::try_from(distinct.len()).unwrap_or(VACANT);
            }
            distinct.push(k);
        }
    }
    distinct
}

/// Where `key` sits in the scratch `index` of positions into `distinct`:
/// the entry holding an equal key, else the vacant entry ending its chain
/// (one exists: the index is at most half full).
fn vacant_or_same(index: &[u32], distinct: &[Box<[u8]>], key: &[u8]) -> usize {
    let mask = index.len().saturating_sub(1);
    let mut at = (bucket_of_stored(key) as usize) & mask;
    loop {
        match index.get(at) {
            Some(&i) if i != VACANT => {
                if distinct.get(i as usize).is_some_and(|d| **d == *key) {
                    return at;
                }
            }
            _ => return at,
        }
        at = (at + 1) & mask;
    }
}

/// A hash of a stored key. Stored keys compare byte for byte (a
/// case-insensitive set stores them lower-cased), so the exact hash does.
fn bucket_of_stored(key: &[u8]) -> u64 {
    bucket::<Exact>(key.len(), words::<Exact>(key, true))
}

/// A set of byte strings; a lookup answers with the key's position among
/// the distinct keys, in the order they were given.
#[derive(Clone, Debug)]
pub(crate) struct Table<F: Fold> {
    /// Scanned sets: the keys' slots, in order. Hashed sets: a power of two
    /// at least twice the number of keys, vacant where unused.
    slots: Box<[Slot<F::Care>]>,
    hashed: bool,
    mask: usize,
    keys: Vec<Box<[u8]>>,
    /// The length of the longest key: longer probes are rejected unread.
    max_len: usize,
    /// Bit `n` set when some key is `n` bytes long (`n < 64`).
    lengths: u64,
}

impl<F: Fold> Table<F> {
    /// Builds the set. A repeated key keeps its first position; keys of
    /// 4 GiB or more (which no policy can hold) are left out.
    pub(crate) fn new(keys: impl IntoIterator<Item = Box<[u8]>>) -> Table<F> {
        let distinct = distinct::<F>(keys);
        let hashed = distinct.len() > SCAN_MAX;
        let slot_of = |i: usize, k: &[u8]| {
            let words = words::<F>(k, hashed);
            let care = if hashed && k.len() > SLOT_DECIDES {
                // The second word is a hash: compared exactly.
                F::care(words[0], !0)
            } else {
                F::care(words[0], words[1])
            };
            Slot {
                words,
                len: u32::try_from(k.len()).unwrap_or(VACANT),
                index: u32::try_from(i).unwrap_or(VACANT),
                care,
            }
        };
        let slots: Box<[Slot<F::Care>]> = if hashed {
            let cap = (distinct.len() * 2).next_power_of_two();
            let vacant = Slot {
                words: [0, 0],
                len: VACANT,
                index: VACANT,
                care: F::care(0, 0),
            };
            let mut slots = vec![vacant; cap].into_boxed_slice();
            for (i, k) in distinct.iter().enumerate() {
                let slot = slot_of(i, k);
                let mut at = (bucket::<F>(k.len(), slot.words) as usize) & (cap - 1);
                while slots.get(at).is_some_and(|s| s.len != VACANT) {
                    at = (at + 1) & (cap - 1);
                }
                if let Some(s) = slots.get_mut(at) {
                    *s = slot;
                }
            }
            slots
        } else {
            distinct
                .iter()
                .enumerate()
                .map(|(i, k)| slot_of(i, k))
                .collect()
        };
        Table {
            mask: slots.len().saturating_sub(1),
            slots,
            hashed,
            max_len: distinct.iter().map(|k| k.len()).max().unwrap_or(0),
            lengths: distinct
                .iter()
                .filter(|k| k.len() < 64)
                .fold(0, |bits, k| bits | 1 << k.len()),
            keys: distinct,
        }
    }

    /// The position of `key` among the set's distinct keys, if it is one.
    #[inline(always)]
    pub(crate) fn get(&self, key: &[u8]) -> Option<usize> {
        if key.len() > self.max_len {
            return None;
        }
        let words = words::<F>(key, self.hashed);
        // `key.len() <= max_len < VACANT`.
        let len = key.len() as u32;
        if self.hashed {
            return self.probe(len, words, key).map(|s| s.index as usize);
        }
        // A plain loop: `Iterator::find` here was left out of line.
        for slot in self.slots.iter() {
            if self.holds(slot, len, words, key) {
                return Some(slot.index as usize);
            }
        }
        None
    }

    /// Whether `slot` holds `key`, of length `len` read as `words`. A long
    /// key's slot matches on its end words or its hash only, so the match
    /// is confirmed by comparing the whole key.
    #[inline(always)]
    fn holds(&self, slot: &Slot<F::Care>, len: u32, words: [u64; 2], key: &[u8]) -> bool {
        slot.len == len
            && F::same_words(slot.words, words, slot.care)
            && (key.len() <= SLOT_DECIDES
                || self
                    .keys
                    .get(slot.index as usize)
                    .is_some_and(|k| F::same(k, key)))
    }

    /// The slot holding `key`, walking the chain from its bucket to the
    /// first vacant slot (one exists: the load factor is at most one half).
    #[inline]
    fn probe(&self, len: u32, words: [u64; 2], key: &[u8]) -> Option<&Slot<F::Care>> {
        let mut at = (bucket::<F>(key.len(), words) as usize) & self.mask;
        loop {
            let slot = self.slots.get(at)?;
            if self.holds(slot, len, words, key) {
                return Some(slot);
            }
            if slot.len == VACANT {
                return None;
            }
            at = (at + 1) & self.mask;
        }
    }

    /// If `list` starts with a key followed by a comma or the end of
    /// `list`, that key's position and length. For sets whose keys hold no
    /// comma (header names).
    ///
    /// The element is found without searching for its comma: only the key
    /// lengths the set has (below 64) are tried, shortest first, and a
    /// length is looked up only when a comma or the end follows it. The
    /// first that can is the first element's own length, since keys hold
    /// no comma. A `None` says nothing more: the caller cuts the element
    /// itself.
    #[inline(always)]
    pub(crate) fn leading(&self, list: &[u8]) -> Option<(usize, usize)> {
        let n = list.len();
        if list.first() == Some(&b',') && self.lengths & 1 == 0 {
            // An empty element (`a,,b`) and no empty key: in a run of
            // commas every length would find one after it.
            return None;
        }
        if !self.hashed && self.max_len <= SLOT_DECIDES {
            // A few short keys: each slot is tried where its own length
            // ends, so no length is tried twice.
            for slot in self.slots.iter() {
                let len = slot.len as usize;
                if len == n || list.get(len) == Some(&b',') {
                    let head = list.get(..len).unwrap_or(&[]);
                    if F::same_words(slot.words, words::<F>(head, false), slot.care) {
                        return Some((slot.index as usize, len));
                    }
                }
            }
            return None;
        }
        let mut lengths = self.lengths;
        if n < 63 {
            lengths &= (2 << n) - 1;
        }
        while lengths != 0 {
            let len = lengths.trailing_zeros() as usize;
            lengths &= lengths - 1;
            if len == n || list.get(len) == Some(&b',') {
                return self.get(list.get(..len)?).map(|i| (i, len));
            }
        }
        None
    }

    /// Whether `key` is in the set.
    #[inline(always)]
    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    fn table<F: Fold>(keys: &[&[u8]]) -> Table<F> {
        Table::new(keys.iter().map(|k| k.to_vec().into_boxed_slice()))
    }

    #[test]
    fn exact_lookups() {
        let keys: Vec<_> = (0..1000)
            .map(|i| format!("https://app{i}.example.net"))
            .collect();
        let refs: Vec<&[u8]> = keys.iter().map(|s| s.as_bytes()).collect();
        let t = table::<Exact>(&refs);
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(t.get(k.as_bytes()), Some(i));
        }
        assert_eq!(t.get(b"https://app1000.example.net"), None);
        assert_eq!(t.get(b"https://APP1.example.net"), None);
        assert_eq!(t.get(b""), None);
    }

    #[test]
    fn case_folded_lookups() {
        let t = table::<AsciiCase>(&[b"Content-Type", b"x-request-id", b"authorization"]);
        assert_eq!(t.get(b"content-type"), Some(0));
        assert!(t.contains(b"CONTENT-TYPE"));
        assert!(t.contains(b"X-Request-Id"));
        assert!(!t.contains(b"x-request-i"));
        assert!(!t.contains(b"x-request-idd"));
        // '-' (0x2D) and CR (0x0D) differ only in bit 0x20.
        assert!(!t.contains(b"x\rrequest\rid"));
        assert_eq!(t.len(), 3);
        assert!(!t.contains(b"authorization-x"));
    }

    #[test]
    fn repeated_keys_keep_their_first_position() {
        let t = table::<AsciiCase>(&[b"a", b"B", b"A", b"b", b"c"]);
        assert_eq!(t.len(), 3);
        assert_eq!(t.get(b"A"), Some(0));
        assert_eq!(t.get(b"b"), Some(1));
        assert_eq!(t.get(b"C"), Some(2));
    }

    /// Thousands of keys, each given three times in scattered order: every
    /// key keeps the position of its first occurrence, as in a plain scan.
    #[test]
    fn many_repeats_keep_their_first_position() {
        let n = 5000;
        let order = (0..3 * n).map(|i| (i * 7919) % n);
        let keys: Vec<String> = order
            .map(|k| format!("https://app{k}.example.net"))
            .collect();
        let mut first: Vec<&str> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for k in &keys {
            if seen.insert(k.as_str()) {
                first.push(k);
            }
        }
        let refs: Vec<&[u8]> = keys.iter().map(|s| s.as_bytes()).collect();
        let t = table::<Exact>(&refs);
        assert_eq!(t.len(), n);
        for (i, k) in first.iter().enumerate() {
            assert_eq!(t.get(k.as_bytes()), Some(i), "{k}");
        }
        let upper: Vec<String> = keys.iter().map(|k| k.to_ascii_uppercase()).collect();
        let refs: Vec<&[u8]> = upper.iter().map(|s| s.as_bytes()).collect();
        let t = table::<AsciiCase>(&refs);
        assert_eq!(t.len(), n);
        for (i, k) in first.iter().enumerate() {
            assert_eq!(t.get(k.as_bytes()), Some(i), "{k}");
        }
    }

    #[test]
    fn empty_table() {
        let t = table::<Exact>(&[]);
        assert!(!t.contains(b"a"));
        assert!(!t.contains(b""));
    }

    #[test]
    fn the_empty_key() {
        let t = table::<Exact>(&[b"", b"x"]);
        assert_eq!(t.get(b""), Some(0));
        assert_eq!(t.get(b"x"), Some(1));
        assert_eq!(t.get(b"\0"), None);
    }

    /// Keys of every length from 0 to 40, scanned and hashed, against every
    /// single-byte change of each: the slot form must tell them apart.
    #[test]
    fn every_length_and_every_byte_change() {
        let keys: Vec<Vec<u8>> = (0..=40)
            .map(|n: usize| (0..n).map(|i| b'a' + ((i * 7 + n) % 26) as u8).collect())
            .collect();
        for chunk in [&keys[..3], &keys[..]] {
            let refs: Vec<&[u8]> = chunk.iter().map(|k| &k[..]).collect();
            let exact = table::<Exact>(&refs);
            let folded = table::<AsciiCase>(&refs);
            for (i, k) in chunk.iter().enumerate() {
                assert_eq!(exact.get(k), Some(i));
                assert_eq!(folded.get(&k.to_ascii_uppercase()), Some(i));
                for at in 0..k.len() {
                    for b in 0..=255u8 {
                        let mut m = k.clone();
                        m[at] = b;
                        let want = chunk.iter().position(|c| *c == m);
                        assert_eq!(exact.get(&m), want, "{m:?}");
                        let want = chunk.iter().position(|c| c.eq_ignore_ascii_case(&m));
                        assert_eq!(folded.get(&m), want, "{m:?}");
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Lookups agree with a plain search of the key list, for sets on
        /// both sides of the scan/hash threshold.
        #[test]
        fn agrees_with_a_plain_search(
            keys in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(b"aAbB-_\r\xc1\xe1".to_vec()), 0..24),
                0..12,
            ),
            probes in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(b"aAbB-_,\r\xc1\xe1".to_vec()), 0..24),
                0..12,
            ),
        ) {
            let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
            let exact = table::<Exact>(&refs);
            let folded = table::<AsciiCase>(&refs);
            let mut distinct: Vec<&[u8]> = Vec::new();
            let mut lower: Vec<Vec<u8>> = Vec::new();
            for k in &refs {
                if !distinct.contains(k) {
                    distinct.push(k);
                }
                let l = k.to_ascii_lowercase();
                if !lower.contains(&l) {
                    lower.push(l);
                }
            }
            for p in probes.iter().chain(keys.iter()) {
                proptest::prop_assert_eq!(exact.get(p), distinct.iter().position(|k| k == p));
                proptest::prop_assert_eq!(
                    folded.get(p),
                    lower.iter().position(|k| k.eq_ignore_ascii_case(p))
                );
                // `leading` finds exactly the first element of a list when
                // it is a key, whatever follows it.
                for rest in [&b""[..], b",", b",a", b"a,b", b",,"] {
                    let list = [&p[..], rest].concat();
                    let first = list.split(|&b| b == b',').next().unwrap_or(&[]);
                    proptest::prop_assert_eq!(
                        exact.leading(&list),
                        distinct.iter().position(|k| *k == first).map(|i| (i, first.len()))
                    );
                    proptest::prop_assert_eq!(
                        folded.leading(&list),
                        lower
                            .iter()
                            .position(|k| k.eq_ignore_ascii_case(first))
                            .map(|i| (i, first.len()))
                    );
                }
            }
        }
    }
}
