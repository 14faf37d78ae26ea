"""One policy shared by 8 threads gives each the same answers as one thread."""

from __future__ import annotations

import threading

import corsgate

REQUESTS = [
    ("GET", [("Origin", "https://app.example.com")]),
    ("GET", [("Origin", "https://tenant%d.example.com" % 7)]),
    ("GET", [("Origin", "https://evil.test")]),
    ("GET", []),
    (
        "OPTIONS",
        [
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "DELETE"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
    ),
    (
        "OPTIONS",
        [
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "PATCH"),
        ],
    ),
]


def test_policy_shared_by_eight_threads(app_policy: corsgate.Policy) -> None:
    expected = [app_policy.evaluate(m, h) for m, h in REQUESTS]
    heads = [
        (
            f"{m} / HTTP/1.1\r\nHost: x\r\n"
            + "".join(f"{n}: {v}\r\n" for n, v in h)
            + "\r\n"
        ).encode()
        for m, h in REQUESTS
    ]
    failures: list = []
    start = threading.Barrier(8)

    def worker(seed: int) -> None:
        start.wait()
        for i in range(3000):
            k = (i + seed) % len(REQUESTS)
            method, headers = REQUESTS[k]
            if app_policy.evaluate(method, headers) != expected[k]:
                failures.append(("evaluate", k))
            if app_policy.evaluate_head(heads[k]) != expected[k]:
                failures.append(("evaluate_head", k))

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert failures == []


def test_policies_created_and_dropped_concurrently() -> None:
    errors: list = []

    def worker() -> None:
        try:
            for _ in range(200):
                p = corsgate.Policy(origins=["https://a.example"], max_age=1)
                d = p.evaluate("GET", [("Origin", "https://a.example")])
                assert d.allowed
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
