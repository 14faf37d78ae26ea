"""Benchmarks of the Python package, in one run on one machine.

1. ``Policy.evaluate`` and ``Policy.evaluate_head`` per call, on both
   backends: the extension (``corsgate._speedups``) and ctypes;
2. ``corsgate.asgi.CORSMiddleware``, on both backends, against Starlette's
   ``CORSMiddleware`` on the same inner app, policy and requests: an allowed
   preflight, an allowed actual request, a denied actual request, a request
   without Origin (not CORS), and a hostile preflight whose
   Access-Control-Request-Headers holds 10,000 tokens;
3. ``corsgate.wsgi.CORSMiddleware``, on both backends, against flask-cors on
   the same Flask app, policy and requests (flask-cors is a Flask extension,
   so the inner app is a Flask app with one view; the app alone is measured
   too).

Both backends are measured in one process: the ctypes rows run with the
extension's entry points switched off in ``corsgate._policy`` and
``corsgate.asgi``, which is exactly the code the package runs with
``CORSGATE_BACKEND=ctypes``. When
the extension is not installed, its columns say so.

The ASGI coroutines are driven without an event loop (``coro.send(None)``
until ``StopIteration``): nothing awaits real I/O, so this measures the
middleware and the inner app only, not a server. The WSGI apps are called
with a fresh environ per request and their response iterated and closed,
as a server does. The inner apps alone are measured too, so their cost can
be subtracted.

Timing: ``timeit`` with the given number of calls per repeat; the median of
the repeats is reported, in ns or µs per call.

Usage (with corsgate, starlette, flask and flask-cors installed)::

    python scripts/bench/python.py [--quick] [--write bindings/python/BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import contextlib
import ctypes
import io
import os
import platform
import statistics
import sys
import time
import timeit
from typing import Any, Callable, List, Optional, Tuple

import corsgate
from corsgate import _ctypes_backend, _ffi, _policy, asgi
from corsgate.asgi import CORSMiddleware as CorsgateMiddleware

from corsgate.wsgi import CORSMiddleware as CorsgateWSGIMiddleware

try:
    import flask
    import flask_cors
    import starlette
    from starlette.middleware.cors import CORSMiddleware as StarletteMiddleware
except ImportError as exc:  # pragma: no cover - reported, not hidden
    sys.exit(f"bench.py needs starlette, flask and flask-cors ({exc})")

ORIGIN = "https://app.example.com"
OPTIONS = dict(
    allow_origins=[ORIGIN],
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["authorization", "content-type", "x-request-id"],
    allow_credentials=True,
    max_age=600,
)

EXAMPLES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples"
)


def example_headers(name: str) -> List[Tuple[bytes, bytes]]:
    """The header lines of ``examples/<name>``, as an ASGI server gives
    them: lower-case bytes names, values without the leading space."""
    with open(os.path.join(EXAMPLES, name), "rb") as f:
        lines = f.read().split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
    return [
        (n.lower(), v.lstrip(b" ")) for n, v in (line.split(b":", 1) for line in lines)
    ]


# The Chrome 124 preflight (performance.md appendix A), the one copy in
# examples/; it asks for PUT, the scenarios ask for the safelisted POST.
PREFLIGHT = [
    (n, b"POST" if n == b"access-control-request-method" else v)
    for n, v in example_headers("chrome-preflight.http")
]
CORS_REQUEST = {
    b"access-control-request-method",
    b"access-control-request-headers",
    b"origin",
}
COMMON = [(n, v) for n, v in PREFLIGHT if n not in CORS_REQUEST]
ACTUAL = COMMON + [(b"origin", ORIGIN.encode())]
DENIED = COMMON + [(b"origin", b"https://evil.example.org")]
NOT_CORS = list(COMMON)
HOSTILE = COMMON[:3] + [
    (b"access-control-request-method", b"POST"),
    (b"access-control-request-headers", b",".join([b"authorization"] * 10_000)),
    (b"origin", ORIGIN.encode()),
]

SCENARIOS = [
    ("preflight, allowed", "OPTIONS", PREFLIGHT),
    ("actual, allowed", "GET", ACTUAL),
    ("actual, denied origin", "GET", DENIED),
    ("not CORS (no Origin)", "GET", NOT_CORS),
    ("preflight, hostile 10,000-token ACRH", "OPTIONS", HOSTILE),
]


@contextlib.contextmanager
def ctypes_backend() -> Any:
    """Runs the block on the ctypes backend (see the module docstring)."""
    saved = (
        _policy._native_evaluate,
        _policy._native_evaluate_head,
        asgi._send_with_cors,
    )
    _policy._native_evaluate = _policy._native_evaluate_head = None
    asgi._send_with_cors = asgi._SendWithCORS
    try:
        yield
    finally:
        (
            _policy._native_evaluate,
            _policy._native_evaluate_head,
            asgi._send_with_cors,
        ) = saved


HAVE_EXTENSION = corsgate.BACKEND == "extension"


def on_both(measure_one: Callable[[], float]) -> Tuple[Optional[float], float]:
    """(extension, ctypes) timings of the same measurement."""
    fast = measure_one() if HAVE_EXTENSION else None
    with ctypes_backend():
        slow = measure_one()
    return fast, slow


def ns(seconds: Optional[float]) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e9:,.0f} ns"


def us(seconds: Optional[float]) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e6:,.2f} µs"


def ratio(theirs: float, ours: Optional[float]) -> str:
    return "n/a" if ours is None else f"{theirs / ours:.1f}×"


def head_of(method: str, headers: List[Tuple[bytes, bytes]]) -> bytes:
    lines = [f"{method} /api/v1/items HTTP/1.1".encode()]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def measure(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Median seconds per call."""
    fn()  # warm up caches before timing
    runs = timeit.repeat(fn, number=number, repeat=repeat, timer=time.process_time)
    return statistics.median(runs) / number


def compare(
    contenders: List[Tuple[Callable[[], Any], Optional[str]]], number: int, repeat: int
) -> List[Optional[float]]:
    """Median seconds per call of each (function, corsgate backend)
    contender; the backend is "extension", "ctypes" or None (not corsgate).

    The repeats are interleaved (one of each contender in turn, ``repeat``
    times), so that a change of load on a shared machine hits every
    contender alike instead of one row. Without the extension installed,
    its contenders are None.
    """

    def backend(name: Optional[str]) -> Any:
        return ctypes_backend() if name == "ctypes" else contextlib.nullcontext()

    active = [name != "extension" or HAVE_EXTENSION for _, name in contenders]
    runs: List[List[float]] = [[] for _ in contenders]
    for _ in range(repeat + 1):  # the first round warms up, untimed
        for times, (fn, name), on in zip(runs, contenders, active):
            if on:
                with backend(name):
                    times.append(
                        timeit.timeit(fn, number=number, timer=time.process_time)
                    )
    return [
        statistics.median(t[1:]) / number if on else None for t, on in zip(runs, active)
    ]


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


def flask_app() -> Any:
    """The WSGI inner app: Flask, one view answering a 2-byte 200."""
    app = flask.Flask("bench")

    @app.route("/api/v1/items", methods=["GET", "POST", "PUT", "DELETE"])
    def items() -> str:
        return "ok"

    return app


def with_flask_cors() -> Any:
    app = flask_app()
    flask_cors.CORS(
        app,
        origins=OPTIONS["allow_origins"],
        methods=OPTIONS["allow_methods"],
        allow_headers=OPTIONS["allow_headers"],
        supports_credentials=True,
        max_age=600,
    )
    return app


def with_corsgate_wsgi() -> Any:
    app = flask_app()
    app.wsgi_app = CorsgateWSGIMiddleware(app.wsgi_app, **OPTIONS)  # type: ignore[method-assign]
    return app


def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
    return None


def wsgi_driver(
    app: Any, method: str, headers: List[Tuple[bytes, bytes]]
) -> Callable[[], None]:
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/api/v1/items",
        "QUERY_STRING": "",
        "SERVER_NAME": "api.example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        environ[key] = value.decode("latin-1")

    def run() -> None:
        request = dict(environ)
        request["wsgi.input"] = io.BytesIO()
        body = app(request, start_response)
        try:
            for _ in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return run


#: The hand-written part of BENCHMARKS.md starts at this heading; --write
#: replaces everything above it.
ANALYSIS_HEADING = "## Reading these numbers"


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
        n = (2_000 if headers is HOSTILE else 200_000) // scale
        head = head_of(method, headers)
        per_list = on_both(
            lambda: measure(lambda: policy.evaluate(m, headers), n, repeat)
        )
        per_head = on_both(
            lambda: measure(lambda: policy.evaluate_head(head), n, repeat)
        )
        rows_eval.append((name, len(headers), per_list, per_head))

    # The floor ctypes sets on this machine: a call without arguments, and
    # the bare evaluate call (6 arguments, the header array and the decision
    # built in advance) without any of the binding's Python work around it.
    lib = _ffi.lib
    floor_empty = measure(lib.corsgate_abi_version, 200_000 // scale, repeat)
    origin = ORIGIN.encode()
    value = ctypes.create_string_buffer(origin, len(origin))
    array = (_ffi.Header * 1)(
        (_ctypes_backend._NAME_SLICES[b"origin"], (value, len(origin)))
    )
    out = ctypes.byref(_ffi.Decision())
    handle = policy._handle
    floor_call = measure(
        lambda: lib.corsgate_evaluate_headers(handle, b"GET", 3, array, 1, out),
        200_000 // scale,
        repeat,
    )

    ours = CorsgateMiddleware(inner_app, **OPTIONS)
    theirs = StarletteMiddleware(inner_app, **OPTIONS)
    rows_mw = []
    baseline = measure(driver(inner_app, "GET", ACTUAL), 100_000 // scale, repeat)
    for name, method, headers in SCENARIOS:
        n = (300 if headers is HOSTILE else 50_000) // scale
        fast, slow, t_theirs = compare(
            [
                (driver(ours, method, headers), "extension"),
                (driver(ours, method, headers), "ctypes"),
                (driver(theirs, method, headers), None),
            ],
            n,
            repeat,
        )
        rows_mw.append((name, (fast, slow), t_theirs))

    flask_alone, flask_ours, flask_theirs = (
        flask_app(),
        with_corsgate_wsgi(),
        with_flask_cors(),
    )
    rows_wsgi = []
    for name, method, headers in SCENARIOS:
        n = (300 if headers is HOSTILE else 10_000) // scale
        t_alone, fast, slow, t_theirs = compare(
            [
                (wsgi_driver(flask_alone, method, headers), None),
                (wsgi_driver(flask_ours, method, headers), "extension"),
                (wsgi_driver(flask_ours, method, headers), "ctypes"),
                (wsgi_driver(flask_theirs, method, headers), None),
            ],
            n,
            repeat,
        )
        rows_wsgi.append((name, t_alone, (fast, slow), t_theirs))

    load = os.getloadavg()
    lines = [
        "# corsgate Python binding: benchmarks",
        "",
        "Produced by `python scripts/bench/python.py --write bindings/python/BENCHMARKS.md`"
        + (" (`--quick`)" if args.quick else "")
        + "; every number below comes from the same run.",
        "",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.machine()}, {os.cpu_count()} CPUs; "
        f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        f"- corsgate {corsgate.LIBRARY_VERSION}, Starlette {starlette.__version__}, "
        f"Flask {importlib.metadata.version('flask')}, "
        f"flask-cors {importlib.metadata.version('flask-cors')}; "
        + (
            "extension built and measured"
            if HAVE_EXTENSION
            else f"extension not available ({_policy._backend.REASON})"
        ),
        f"- timeit, median of {repeat} repeats, timed with process CPU time (time.process_time), which a busy machine inflates less than wall time; in the middleware tables the repeats of the contenders of a row are interleaved",
        "",
        "## `Policy.evaluate` / `Policy.evaluate_head`, per call",
        "",
        "Header lists as an ASGI server gives them (Chrome 124's headers, lower-case bytes names);",
        "`evaluate_head` gets the same request as a raw HTTP/1.1 head. Backends: the C",
        "extension `corsgate._speedups` (the default when built) and ctypes (the fallback).",
        "",
        "| request | headers | `evaluate` extension | `evaluate` ctypes | `evaluate_head` extension | `evaluate_head` ctypes |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, count, per_list, per_head in rows_eval:
        lines.append(
            f"| {name} | {count} | {ns(per_list[0])} | {ns(per_list[1])} "
            f"| {ns(per_head[0])} | {ns(per_head[1])} |"
        )
    lines += [
        "",
        "Target: `evaluate` ≤ 2 µs per call. For scale, from the same run: a ctypes call "
        f"without arguments costs {floor_empty * 1e9:,.0f} ns, and the bare "
        f"`corsgate_evaluate_headers` call through ctypes (6 arguments, header array and "
        f"decision built in advance, decision not read) {floor_call * 1e9:,.0f} ns.",
        "",
        "## ASGI middleware: corsgate vs Starlette `CORSMiddleware`",
        "",
        "Same inner app (a 2-byte 200 response), same options "
        "(one credentialed origin, 4 methods, 3 request headers, max-age 600), same requests. "
        f"The inner app alone costs {baseline * 1e6:.2f} µs per request; it is included below.",
        "",
        "| request | corsgate, extension | corsgate, ctypes | Starlette "
        "| Starlette ÷ extension | Starlette ÷ ctypes |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (t_fast, t_slow), t_theirs in rows_mw:
        lines.append(
            f"| {name} | {us(t_fast)} | {us(t_slow)} | {us(t_theirs)} "
            f"| {ratio(t_theirs, t_fast)} | {ratio(t_theirs, t_slow)} |"
        )
    lines += [
        "",
        "Target, with the extension: at least 3× faster than Starlette on every request",
        "kind, and bounded on hostile preflights (corsgate refuses an ACRH over 2,048 bytes",
        "or 64 names without reading it all; its cost on the hostile row is the scan of the",
        "header list plus one engine call). On the request without Origin, Starlette passes",
        "the request through untouched, where corsgate adds `Vary: Origin` to the response",
        "(DESIGN.md, semantics 8).",
        "",
        "## WSGI middleware: corsgate vs flask-cors",
        "",
        "Same Flask app (one view answering a 2-byte 200), same options, same requests;",
        "corsgate wraps `app.wsgi_app`, flask-cors is installed with `CORS(app, ...)`.",
        "Flask alone answers a preflight itself (200 with `Allow`), so its row is the",
        "floor of the actual requests only.",
        "",
        "| request | Flask alone | corsgate, extension | corsgate, ctypes | flask-cors "
        "| flask-cors ÷ extension | flask-cors ÷ ctypes |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t_alone, (t_fast, t_slow), t_theirs in rows_wsgi:
        lines.append(
            f"| {name} | {us(t_alone)} | {us(t_fast)} | {us(t_slow)} | {us(t_theirs)} "
            f"| {ratio(t_theirs, t_fast)} | {ratio(t_theirs, t_slow)} |"
        )
    lines.append("")
    report = "\n".join(lines)
    print(report)
    if args.write:
        # The analysis below the tables is written by hand: keep it.
        analysis = ""
        if os.path.exists(args.write):
            with open(args.write, encoding="utf-8") as f:
                previous = f.read()
            at = previous.find(ANALYSIS_HEADING)
            if at >= 0:
                analysis = previous[at:]
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(report + ("\n" + analysis if analysis else ""))


if __name__ == "__main__":
    main()
