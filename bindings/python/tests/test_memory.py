"""No memory growth over a million evaluations."""

from __future__ import annotations

import gc
import os
import sys

import pytest

import corsgate


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/self/statm"
)
def test_no_growth_over_a_million_evaluations(app_policy: corsgate.Policy) -> None:
    preflight = [
        (b"origin", b"https://app.example.com"),
        (b"access-control-request-method", b"PUT"),
        (b"access-control-request-headers", b"content-type"),
    ]
    actual = [(b"origin", b"https://a.example.com"), (b"accept", b"*/*")]
    denied = [(b"origin", b"https://evil.test")]
    head = b"GET / HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n\r\n"
    evaluate, evaluate_head = app_policy.evaluate, app_policy.evaluate_head

    def run(n: int) -> None:
        for _ in range(n // 4):
            evaluate(b"OPTIONS", preflight)
            evaluate(b"GET", actual)
            evaluate(b"GET", denied)
            evaluate_head(head)

    run(100_000)  # warm up: caches, pools, allocator arenas
    gc.collect()
    before = rss_bytes()
    run(1_000_000)
    gc.collect()
    grown = rss_bytes() - before
    # A leak of even one byte per evaluation would show as ~1 MB.
    assert grown < 512 * 1024, f"RSS grew by {grown} bytes"
