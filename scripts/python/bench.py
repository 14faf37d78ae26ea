"""Benchmarks of the Python package, in one run on one machine.

1. ``Policy.evaluate`` and ``Policy.evaluate_head`` per call;
2. ``corsgate.asgi.CORSMiddleware`` against Starlette's ``CORSMiddleware``
   on the same inner app, policy and requests: an allowed preflight, an
   allowed actual request, a denied actual request, and a hostile preflight
   whose Access-Control-Request-Headers holds 10,000 tokens.

The ASGI coroutines are driven without an event loop (``coro.send(None)``
until ``StopIteration``): nothing awaits real I/O, so this measures the
middleware and the inner app only, not a server. The inner app alone is
measured too, so its cost can be subtracted.

Timing: ``timeit`` with the given number of calls per repeat; the median of
the repeats is reported, in ns or µs per call.

Usage (with corsgate, starlette installed)::

    python scripts/python/bench.py [--quick] [--write bindings/python/BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import timeit
from typing import Any, Callable, List, Tuple

import corsgate
from corsgate.asgi import CORSMiddleware as CorsgateMiddleware

try:
    import starlette
    from starlette.middleware.cors import CORSMiddleware as StarletteMiddleware
except ImportError:  # pragma: no cover - reported, not hidden
    sys.exit("bench.py needs starlette: pip install starlette")

ORIGIN = "https://app.example.com"
OPTIONS = dict(
    allow_origins=[ORIGIN],
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["authorization", "content-type", "x-request-id"],
    allow_credentials=True,
    max_age=600,
)

# Chrome 124 headers (performance.md appendix A), as an ASGI server gives
# them: lower-case bytes names.
COMMON = [
    (b"host", b"api.example.com"),
    (b"connection", b"keep-alive"),
    (b"accept", b"*/*"),
    (
        b"user-agent",
        b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        b"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    ),
    (b"sec-fetch-mode", b"cors"),
    (b"sec-fetch-site", b"same-site"),
    (b"sec-fetch-dest", b"empty"),
    (b"referer", b"https://app.example.com/"),
    (b"accept-encoding", b"gzip, deflate, br, zstd"),
    (b"accept-language", b"en-US,en;q=0.9"),
]
PREFLIGHT = (
    COMMON[:3]
    + [
        (b"access-control-request-method", b"POST"),
        (b"access-control-request-headers", b"authorization,content-type,x-request-id"),
        (b"origin", ORIGIN.encode()),
    ]
    + COMMON[3:]
)
ACTUAL = COMMON + [(b"origin", ORIGIN.encode())]
DENIED = COMMON + [(b"origin", b"https://evil.example.org")]
HOSTILE = COMMON[:3] + [
    (b"access-control-request-method", b"POST"),
    (b"access-control-request-headers", b",".join([b"authorization"] * 10_000)),
    (b"origin", ORIGIN.encode()),
]

SCENARIOS = [
    ("preflight, allowed", "OPTIONS", PREFLIGHT),
    ("actual, allowed", "GET", ACTUAL),
    ("actual, denied origin", "GET", DENIED),
    ("preflight, hostile 10,000-token ACRH", "OPTIONS", HOSTILE),
]


def head_of(method: str, headers: List[Tuple[bytes, bytes]]) -> bytes:
    lines = [f"{method} /api/v1/items HTTP/1.1".encode()]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def measure(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Median seconds per call."""
    fn()  # warm up caches before timing
    runs = timeit.repeat(fn, number=number, repeat=repeat, timer=time.process_time)
    return statistics.median(runs) / number


async def inner_app(scope: Any, receive: Any, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


async def receive() -> Any:  # pragma: no cover - the app never reads a body
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: Any) -> None:
    return None


def driver(
    app: Any, method: str, headers: List[Tuple[bytes, bytes]]
) -> Callable[[], None]:
    def run() -> None:
        scope = {
            "type": "http",
            "method": method,
            "path": "/api/v1/items",
            "headers": list(headers),
        }
        coro = app(scope, receive, send)
        try:
            coro.send(None)
        except StopIteration:
            return
        raise RuntimeError("the ASGI app awaited something real")

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument(
        "--write", metavar="PATH", help="write the Markdown report here"
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    repeat = 5 if args.quick else 7

    policy = corsgate.Policy(
        origins=OPTIONS["allow_origins"],
        methods=OPTIONS["allow_methods"],
        request_headers=OPTIONS["allow_headers"],
        credentials=True,
        max_age=600,
    )
    rows_eval = []
    for name, method, headers in SCENARIOS:
        m = method.encode()
        n = 2_000 if headers is HOSTILE else 200_000
        per_list = measure(lambda: policy.evaluate(m, headers), n // scale, repeat)
        head = head_of(method, headers)
        per_head = measure(lambda: policy.evaluate_head(head), n // scale, repeat)
        rows_eval.append((name, len(headers), per_list, per_head))

    # The floor ctypes sets on this machine: a call without arguments, and
    # the bare evaluate call (6 arguments, the array packed in advance)
    # without any of the binding's Python work around it.
    from corsgate import _ffi, _policy

    lib = _ffi.lib
    floor_empty = measure(lib.corsgate_abi_version, 200_000 // scale, repeat)
    origin = ORIGIN.encode()
    name_address, name_length = _policy._FIELD_ADDRESSES[b"origin"]
    array = _ffi.header_array(1).pack(
        name_address, name_length, _policy._pin(origin)[0], len(origin)
    )
    out, out_address = _policy._new_buffer()
    handle = policy._handle
    floor_call = measure(
        lambda: lib.corsgate_evaluate_headers(handle, b"GET", 3, array, 1, out_address),
        200_000 // scale,
        repeat,
    )

    ours = CorsgateMiddleware(inner_app, **OPTIONS)
    theirs = StarletteMiddleware(inner_app, **OPTIONS)
    rows_mw = []
    baseline = measure(driver(inner_app, "GET", ACTUAL), 100_000 // scale, repeat)
    for name, method, headers in SCENARIOS:
        n = 300 if headers is HOSTILE else 50_000
        t_ours = measure(driver(ours, method, headers), n // scale, repeat)
        t_theirs = measure(driver(theirs, method, headers), n // scale, repeat)
        rows_mw.append((name, t_ours, t_theirs))

    load = os.getloadavg()
    lines = [
        "# corsgate Python binding: benchmarks",
        "",
        "Produced by `python scripts/python/bench.py --write bindings/python/BENCHMARKS.md`"
        + (" (`--quick`)" if args.quick else "")
        + "; every number below comes from the same run.",
        "",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        f"- corsgate {corsgate.LIBRARY_VERSION} (ctypes), Starlette {starlette.__version__}",
        f"- timeit, median of {repeat} repeats, timed with process CPU time (time.process_time), which a busy machine inflates less than wall time",
        "",
        "## `Policy.evaluate` / `Policy.evaluate_head`, per call",
        "",
        "Header lists as an ASGI server gives them (Chrome 124's headers, lower-case bytes names);",
        "`evaluate_head` gets the same request as a raw HTTP/1.1 head.",
        "",
        "| request | headers | `evaluate` | `evaluate_head` |",
        "|---|---:|---:|---:|",
    ]
    for name, count, per_list, per_head in rows_eval:
        lines.append(
            f"| {name} | {count} | {per_list * 1e9:,.0f} ns | {per_head * 1e9:,.0f} ns |"
        )
    lines += [
        "",
        "Target: `evaluate` ≤ 2 µs per call. For scale, from the same run: a ctypes call "
        f"without arguments costs {floor_empty * 1e9:,.0f} ns, and the bare "
        f"`corsgate_evaluate_headers` call (6 arguments, header array packed in advance, "
        f"decision not read) {floor_call * 1e9:,.0f} ns.",
        "",
        "## ASGI middleware: corsgate vs Starlette `CORSMiddleware`",
        "",
        "Same inner app (a 2-byte 200 response), same options "
        "(one credentialed origin, 4 methods, 3 request headers, max-age 600), same requests. "
        f"The inner app alone costs {baseline * 1e6:.2f} µs per request; it is included below.",
        "",
        "| request | corsgate | Starlette | Starlette ÷ corsgate |",
        "|---|---:|---:|---:|",
    ]
    for name, t_ours, t_theirs in rows_mw:
        lines.append(
            f"| {name} | {t_ours * 1e6:,.2f} µs | {t_theirs * 1e6:,.2f} µs | "
            f"{t_theirs / t_ours:.1f}× |"
        )
    lines += [
        "",
        "Targets: at least 2× faster than Starlette on preflights, and bounded on hostile ones",
        "(corsgate refuses an ACRH over 2,048 bytes or 64 names without reading it all;",
        "its cost on the hostile row is the Python-side scan of the header list plus one call).",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(report)


if __name__ == "__main__":
    main()
