//! The raw HTTP/1.x request-head scanner.
//!
//! It finds the four CORS fields in one forward pass without parsing the
//! other header lines: each 64-byte block becomes a line-feed bit mask,
//! built with loops the compiler turns into SIMD compares, and only line
//! starts (one bit each) are visited. Once the empty line is found, one
//! vectorised counting pass over the (cache-hot) head checks for control
//! bytes and bare CRs — measured cheaper than counting inside the block
//! loop (BENCHMARKS.md).
//! Framing is still checked everywhere it can change what a CORS field
//! means: obs-fold, bare CR, control bytes, whitespace before a colon on a
//! CORS field, a missing terminating empty line.

use crate::request::{Relevant, RequestView, ACRH, ACRM, ACRPN, ORIGIN};
use crate::syntax::{is_tchar, is_token};

/// The largest request head the scanner reads. nginx's default
/// `large_client_header_buffers` is 32 KiB and HAProxy's default buffer
/// 16 KiB, so a legitimate head never comes close.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Why a raw head could not be scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanError {
    /// Not well-framed HTTP/1.x.
    Malformed,
    /// No end of head within [`MAX_HEAD_BYTES`].
    TooLarge,
}

const BLOCK: usize = 64;

/// Bit 0 of each byte of a flag word, the lane [`gather`] reads.
const LANES: u64 = 0x0101_0101_0101_0101;

/// Packs bit 0 of each of the 8 bytes of `lanes` (all other bits clear)
/// into an 8-bit mask, byte `i` to bit `i`. Bit `8i` times `2^(56 - 7i)`
/// lands on bit `56 + i`; the other products fall on distinct bits below 56,
/// so nothing carries into the top byte.
#[inline(always)]
fn gather(lanes: u64) -> u64 {
    lanes.wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// The line-feed mask of a block, bit `i` for byte `i`. Built in two steps,
/// because a loop that shifts one bit per byte into a `u64` does not
/// vectorise (LLVM emits 64 compare-and-shift sequences for it): first a
/// plain byte map into flag bytes, which becomes SIMD compares, then one
/// multiply per 8 bytes to pack the flags.
#[inline(always)]
fn line_feeds(block: &[u8; BLOCK]) -> u64 {
    let mut flags = [0u8; BLOCK];
    for (f, &b) in flags.iter_mut().zip(block) {
        *f = u8::from(b == b'\n');
    }
    let mut lf = 0u64;
    for (k, word) in flags.chunks_exact(8).enumerate() {
        lf |= gather(u64::from_le_bytes(word.try_into().unwrap_or([0; 8])) & LANES) << (8 * k);
    }
    lf
}

/// Scans a raw request head into a [`RequestView`].
///
/// Accepts CRLF and bare-LF line ends. Bytes after the terminating empty
/// line (a body) are ignored.
pub fn scan_head(head: &[u8]) -> Result<RequestView<'_>, ScanError> {
    let buf = match head.get(..MAX_HEAD_BYTES) {
        // A CR on the cap's last byte may pair with an LF beyond it: that is
        // running out of room, not broken framing.
        Some(cut) if head.len() > MAX_HEAD_BYTES => cut.strip_suffix(b"\r").unwrap_or(cut),
        _ => head,
    };
    let truncated = |_| {
        if head.len() > MAX_HEAD_BYTES {
            ScanError::TooLarge
        } else {
            ScanError::Malformed
        }
    };
    let first_lf = memchr::memchr(b'\n', buf).ok_or(()).map_err(truncated)?;
    let request_line = buf.get(..first_lf).ok_or(ScanError::Malformed)?;
    let method = parse_request_line(strip_cr(request_line))?;
    let mut view = RequestView::new(method);
    let start = first_lf + 1;
    match scan_fields(buf, start, &mut view) {
        Some(true) => Ok(view),
        Some(false) => Err(truncated(())),
        None => Err(ScanError::Malformed),
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `method SP request-target SP HTTP/1.x`; returns the method.
fn parse_request_line(line: &[u8]) -> Result<&[u8], ScanError> {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let method = parts.next().unwrap_or(&[]);
    let target = parts.next().unwrap_or(&[]);
    let version = parts.next().unwrap_or(&[]);
    let target_ok = !target.is_empty() && target.iter().all(|&b| (0x21..=0x7e).contains(&b));
    let version_ok = matches!(version, b"HTTP/1.1" | b"HTTP/1.0");
    if is_token(method) && target_ok && version_ok {
        Ok(method)
    } else {
        Err(ScanError::Malformed)
    }
}

/// Walks the header lines from `start`. `Some(true)` when the terminating
/// empty line was found, `Some(false)` when the buffer ended first, `None`
/// on a framing error.
///
/// Line ends come from a 64-byte block mask, so only line starts are
/// visited. Control bytes and bare CRs are then checked over the whole head
/// in one branch-free pass (a bare CR shows as more CRs than CRLF ends).
fn scan_fields<'r>(buf: &'r [u8], start: usize, view: &mut RequestView<'r>) -> Option<bool> {
    let body = buf.get(start..)?;
    let mut lines = Lines {
        body,
        line_start: 0,
        crlf: 0,
    };
    let mut base = 0usize;
    let mut chunks = body.chunks_exact(BLOCK);
    for chunk in &mut chunks {
        let block: &[u8; BLOCK] = chunk.try_into().ok()?;
        if let Some(end) = lines.visit(base, line_feeds(block), view)? {
            return lines.framing_ok(end).then_some(true);
        }
        base += BLOCK;
    }
    let rem = chunks.remainder();
    if !rem.is_empty() {
        // Pad with a byte that is not a line feed.
        let mut block = [b'x'; BLOCK];
        block.get_mut(..rem.len())?.copy_from_slice(rem);
        if let Some(end) = lines.visit(base, line_feeds(&block), view)? {
            return lines.framing_ok(end).then_some(true);
        }
    }
    Some(false)
}

struct Lines<'r> {
    body: &'r [u8],
    line_start: usize,
    /// Lines seen so far that ended in CRLF.
    crlf: usize,
}

impl<'r> Lines<'r> {
    /// Visits the lines ending in this block. `Some(Some(end))` when the
    /// empty line ending at `end` closes the head, `Some(None)` to go on,
    /// `None` on a framing error.
    #[inline(always)]
    fn visit(
        &mut self,
        base: usize,
        mut lf: u64,
        view: &mut RequestView<'r>,
    ) -> Option<Option<usize>> {
        while lf != 0 {
            let end = base + lf.trailing_zeros() as usize;
            lf &= lf - 1;
            let raw = self.body.get(self.line_start..end)?;
            let line = match raw.strip_suffix(b"\r") {
                Some(l) => {
                    self.crlf += 1;
                    l
                }
                None => raw,
            };
            self.line_start = end + 1;
            if line.is_empty() {
                return Some(Some(end));
            }
            visit_line(line, view)?;
        }
        Some(None)
    }

    fn framing_ok(&self, end: usize) -> bool {
        let (ctl, cr) = control_bytes(self.body.get(..end).unwrap_or(&[]));
        ctl == 0 && cr == self.crlf
    }
}

/// Counts, over `bytes`, the forbidden control bytes (everything below 0x20
/// but HTAB, LF and CR, and DEL) and the CRs. Each byte costs four SIMD
/// compares (below 0x20, HTAB, LF, CR… folded into counts) once the compiler
/// vectorises the fixed-size chunks; the forbidden count is derived from them.
#[inline]
fn control_bytes(bytes: &[u8]) -> (usize, usize) {
    const CHUNK: usize = 240;
    let (mut below, mut allowed, mut del, mut cr) = (0usize, 0usize, 0usize, 0usize);
    let mut count = |chunk: &[u8]| {
        // u8 counters cannot overflow: a chunk has fewer than 256 bytes.
        let (mut lo, mut ok, mut d, mut r) = (0u8, 0u8, 0u8, 0u8);
        for &b in chunk {
            lo += u8::from(b < 0x20);
            ok += u8::from(b == b'\t') + u8::from(b == b'\n');
            r += u8::from(b == b'\r');
            d += u8::from(b == 0x7f);
        }
        below += usize::from(lo);
        allowed += usize::from(ok) + usize::from(r);
        del += usize::from(d);
        cr += usize::from(r);
    };
    let mut chunks = bytes.chunks_exact(CHUNK);
    for chunk in &mut chunks {
        count(chunk);
    }
    count(chunks.remainder());
    (below - allowed + del, cr)
}

/// Checks one header line's start and, for a CORS field, records it.
#[inline(always)]
fn visit_line<'r>(line: &'r [u8], view: &mut RequestView<'r>) -> Option<()> {
    let first = *line.first()?;
    // Leading whitespace is obs-fold (or garbage): RFC 9112 §5.2 lets a
    // server reject it, and unfolding it would change what the field says.
    if !is_tchar(first) {
        return None;
    }
    let (name, which) = match first | 0x20 {
        b'o' => (ORIGIN, Relevant::Origin),
        b'a' => match line.get(ACRM.len() - 6..ACRM.len()) {
            Some(tail) if tail.eq_ignore_ascii_case(b"method") => (ACRM, Relevant::RequestMethod),
            _ => match line.get(ACRH.len() - 7..ACRH.len()) {
                Some(tail) if tail.eq_ignore_ascii_case(b"headers") => {
                    (ACRH, Relevant::RequestHeaders)
                }
                _ => (ACRPN, Relevant::RequestPrivateNetwork),
            },
        },
        _ => return Some(()),
    };
    let Some(candidate) = line.get(..name.len()) else {
        return Some(());
    };
    if !candidate.eq_ignore_ascii_case(name) {
        return Some(());
    }
    let rest = line.get(name.len()..).unwrap_or(&[]);
    match rest.first() {
        Some(b':') => {
            view.add_relevant(which, rest.get(1..).unwrap_or(&[]));
            Some(())
        }
        // `Origin : x` is not an Origin field and not valid HTTP either
        // (RFC 9112 §5.1): refuse rather than guess.
        Some(b' ' | b'\t') => {
            let after = rest.iter().position(|&b| b != b' ' && b != b'\t');
            match after.and_then(|i| rest.get(i)) {
                Some(b':') => None,
                _ => Some(()),
            }
        }
        _ => Some(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Field;
    use std::prelude::rust_2021::*;

    fn scan(s: &str) -> Result<RequestView<'_>, ScanError> {
        scan_head(s.as_bytes())
    }

    #[test]
    fn finds_the_cors_fields() {
        let v = scan(
            "OPTIONS /x HTTP/1.1\r\nHost: api\r\nOrigin: https://a.example\r\n\
             Access-Control-Request-Method: PUT\r\naccess-control-request-headers: x-a, x-b\r\n\
             Access-Control-Request-Private-Network: true\r\nAccept: */*\r\n\r\n",
        )
        .unwrap();
        assert_eq!(v.method, b"OPTIONS");
        assert_eq!(v.origin, Field::One(b"https://a.example"));
        assert_eq!(v.request_method, Field::One(b"PUT"));
        assert_eq!(v.request_headers.lines(), &[&b"x-a, x-b"[..]]);
        assert_eq!(v.request_private_network, Field::One(b"true"));
    }

    #[test]
    fn bare_lf_and_body() {
        let v = scan("GET / HTTP/1.0\nOrigin:https://a.example \n\nbody\0\r").unwrap();
        assert_eq!(v.origin, Field::One(b"https://a.example"));
    }

    #[test]
    fn look_alike_names_are_not_fields() {
        let v = scan("GET / HTTP/1.1\r\nOrigin-Agent-Cluster: ?1\r\nOriginX: a\r\nAccess-Control-Request-Methods: PUT\r\nAccept: x\r\nA: b\r\n\r\n").unwrap();
        assert_eq!(v.origin, Field::Absent);
        assert_eq!(v.request_method, Field::Absent);
    }

    #[test]
    fn framing_errors() {
        for s in [
            "",
            "GET / HTTP/1.1\r\n",
            "GET / HTTP/1.1\r\nOrigin: https://a.example\r\n",
            "GET / HTTP/1.1\r\nUser-Agent: x\r\n .evil\r\n\r\n",
            "GET / HTTP/1.1\r\nOrigin: https://a.example\r\n\t.evil\r\n\r\n",
            "GET / HTTP/1.1\r\nOrigin : https://a.example\r\n\r\n",
            "GET / HTTP/1.1\r\nOrigin: https://a.example\rX: y\r\n\r\n",
            "GET / HTTP/1.1\r\nOrigin: https://a\0.example\r\n\r\n",
            "GET / HTTP/1.1\r\nX: \x7f\r\n\r\n",
            "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
            "GET  / HTTP/1.1\r\n\r\n",
            "GET / HTTP/2\r\n\r\n",
            "G(T / HTTP/1.1\r\n\r\n",
            "GET /a b HTTP/1.1\r\n\r\n",
            "\r\nGET / HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(scan(s), Err(ScanError::Malformed), "{s:?}");
        }
    }

    #[test]
    fn block_boundaries() {
        // Put the CRLF pair and the field on every alignment of a 64-byte block.
        for pad in 0..130 {
            let head = format!(
                "GET / HTTP/1.1\r\nX-Pad: {}\r\nOrigin: https://a.example\r\n\r\n",
                "p".repeat(pad)
            );
            let v = scan(&head).unwrap();
            assert_eq!(v.origin, Field::One(b"https://a.example"), "pad {pad}");
            let bad = format!(
                "GET / HTTP/1.1\r\nX-Pad: {}\rOrigin: x\r\n\r\n",
                "p".repeat(pad)
            );
            assert_eq!(scan(&bad), Err(ScanError::Malformed), "pad {pad}");
        }
    }

    #[test]
    fn block_masks_match_a_bytewise_reading() {
        let mut block = [0u8; BLOCK];
        for seed in 0u32..64 {
            for (i, b) in block.iter_mut().enumerate() {
                // Every byte value, in many positions and neighbourhoods.
                *b = (i as u32 * 131 + seed * 17) as u8;
            }
            let lf = line_feeds(&block);
            for (i, &b) in block.iter().enumerate() {
                assert_eq!(lf >> i & 1 == 1, b == b'\n', "lf byte {b:#x} at {i}");
            }
            let ctl = block
                .iter()
                .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f)
                .count();
            let cr = block.iter().filter(|&&b| b == b'\r').count();
            assert_eq!(control_bytes(&block), (ctl, cr));
        }
    }

    #[test]
    fn size_cap() {
        let mut head = String::from("GET / HTTP/1.1\r\n");
        while head.len() < MAX_HEAD_BYTES + 10 {
            head.push_str("X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        head.push_str("\r\n");
        assert_eq!(scan(&head), Err(ScanError::TooLarge));
    }
}
