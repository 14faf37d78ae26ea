"""The two backends: selection, and the extension's fast path against ctypes.

The whole suite runs once per backend (scripts/ci/python.sh sets
CORSGATE_BACKEND=extension, then ctypes). The tests below the first two
compare the extension with the ctypes code of the same policy, input by
input; they need the extension to be the active backend, which the
``extension`` run guarantees (it fails at import otherwise).
"""

from __future__ import annotations

import gc
import importlib.util
import os
import subprocess
import sys

import pytest

import corsgate
from corsgate import _backend, _policy

from policies import ORIGIN, PREFLIGHT
from test_memory import rss_bytes

needs_extension = pytest.mark.skipif(
    corsgate.BACKEND != "extension",
    reason="compares the extension with ctypes; covered by the extension run",
)


def test_backend_follows_the_environment() -> None:
    wanted = os.environ.get("CORSGATE_BACKEND", "auto")
    assert corsgate.BACKEND in ("extension", "ctypes")
    if wanted in ("extension", "ctypes"):
        assert corsgate.BACKEND == wanted
    assert (_backend.native is not None) == (corsgate.BACKEND == "extension")
    assert bool(_backend.REASON) == (corsgate.BACKEND == "ctypes")


@pytest.mark.parametrize(
    "value, backend, error",
    [
        ("ctypes", "ctypes", None),
        ("CTYPES ", "ctypes", None),
        ("bogus", None, "CORSGATE_BACKEND='bogus' is not one of"),
    ],
)
def test_backend_selection_in_a_fresh_interpreter(
    value: str, backend: str, error: str
) -> None:
    env = dict(os.environ, CORSGATE_BACKEND=value)
    result = subprocess.run(
        [sys.executable, "-c", "import corsgate; print(corsgate.BACKEND)"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    if error is None:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == backend
    else:
        assert result.returncode != 0
        assert error in result.stderr


# Loads the installed extension before the package, as the import system
# would, and replaces its configure() so that the package's own call fails.
_REFUSE_CONFIGURE = """
import importlib.util, sys
from importlib.machinery import PathFinder
package = importlib.util.find_spec("corsgate")
spec = PathFinder.find_spec("corsgate._speedups", package.submodule_search_locations)
speedups = importlib.util.module_from_spec(spec)
spec.loader.exec_module(speedups)
sys.modules[spec.name] = speedups
def refuse(*args):
    raise RuntimeError("refused by the test")
speedups.configure = refuse
"""

# Imports the package twice in one process, the second time with the
# extension still imported and configured for the first one's Decision.
_REIMPORT = """
import sys
import corsgate
for name in [n for n in sys.modules if n.startswith("corsgate") and "_speedups" not in n]:
    del sys.modules[name]
"""

_EVALUATE = """
import corsgate
from corsgate import _backend
d = corsgate.Policy(origins=["https://a.example"]).evaluate(
    "GET", [("origin", "https://a.example")]
)
assert d.allowed and d.header("access-control-allow-origin") == "https://a.example"
print(corsgate.BACKEND)
print(_backend.REASON)
"""


@pytest.mark.skipif(
    importlib.util.find_spec("corsgate._speedups") is None,
    reason="the extension was not built (the CI install builds it)",
)
@pytest.mark.parametrize(
    "setup, reason",
    [
        (_REFUSE_CONFIGURE, "(RuntimeError: refused by the test)"),
        (_REIMPORT, "(RuntimeError: corsgate._speedups is already configured)"),
    ],
    ids=["configure-raises", "reimport"],
)
def test_an_extension_that_cannot_be_configured(setup: str, reason: str) -> None:
    """auto falls back to ctypes and says why; extension fails the import."""

    def run(backend: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", setup + _EVALUATE],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, CORSGATE_BACKEND=backend),
        )

    why = "corsgate._speedups could not be configured " + reason
    auto = run("auto")
    assert auto.returncode == 0, auto.stderr
    assert auto.stdout.splitlines() == ["ctypes", why]

    extension = run("extension")
    assert extension.returncode != 0
    assert (
        f"ImportError: corsgate: CORSGATE_BACKEND=extension, but {why}"
        in extension.stderr
    )


@pytest.mark.skipif(
    importlib.util.find_spec("corsgate._speedups") is None,
    reason="the extension was not built (the CI install builds it)",
)
@pytest.mark.parametrize("backend", ["auto", "extension"])
def test_an_extension_with_other_numbers_fails_the_import(backend: str) -> None:
    """_ffi's MAX_HEADERS sizes its corsgate_decision: when it differs from
    the header the extension was compiled with, no backend is safe."""
    setup = _REFUSE_CONFIGURE.replace(
        "speedups.configure = refuse", "speedups.MAX_HEADERS += 1"
    )
    result = subprocess.run(
        [sys.executable, "-c", setup + "import corsgate"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, CORSGATE_BACKEND=backend),
    )
    assert result.returncode != 0
    assert "corsgate._speedups was compiled with CORSGATE_MAX_HEADERS" in result.stderr


def both(policy: corsgate.Policy, method: object, headers: object) -> object:
    """The public result, after checking it equals the ctypes path's."""
    expected = policy._evaluate_ctypes(method, headers)
    got = policy.evaluate(method, headers)
    assert got == expected
    assert type(got) is corsgate.Decision
    assert got.headers == expected.headers
    return got


def native(policy: corsgate.Policy, method: object, headers: object) -> object:
    return _policy._native.evaluate(policy._handle, method, headers)


@needs_extension
def test_fast_path_builds_the_same_decision(app_policy: corsgate.Policy) -> None:
    d = native(app_policy, b"OPTIONS", PREFLIGHT)
    assert isinstance(d, corsgate.Decision)
    assert d == app_policy._evaluate_ctypes(b"OPTIONS", PREFLIGHT)
    assert d.headers[0] == ("Access-Control-Allow-Origin", ORIGIN.decode())
    assert all(type(n) is bytes and type(v) is bytes for n, v in d.raw_headers)
    assert type(d.raw_headers) is list and type(d.status) is int


@needs_extension
@pytest.mark.parametrize(
    "shape",
    [
        lambda pairs: pairs,
        lambda pairs: tuple(pairs),
        lambda pairs: [list(p) for p in pairs],
        lambda pairs: tuple(list(p) for p in pairs),
        lambda pairs: [(n.decode(), v.decode()) for n, v in pairs],
        lambda pairs: [(n.upper(), v) for n, v in pairs],
        lambda pairs: [(n.decode().title(), v) for n, v in pairs],
    ],
    ids=["list", "tuple", "list-of-lists", "tuple-of-lists", "str", "upper", "title"],
)
def test_shapes_on_the_fast_path(app_policy: corsgate.Policy, shape: object) -> None:
    headers = shape(PREFLIGHT)  # type: ignore[operator]
    for method in (b"OPTIONS", "OPTIONS"):
        assert native(app_policy, method, headers) is not None
        assert both(app_policy, method, headers).reason == "ok"


class Bytes(bytes):
    pass


class Str(str):
    pass


@needs_extension
@pytest.mark.parametrize(
    "method, headers",
    [
        (bytearray(b"OPTIONS"), PREFLIGHT),
        (Bytes(b"OPTIONS"), PREFLIGHT),
        ("OPTIONS\u00e9", PREFLIGHT),
        (b"OPTIONS", lambda: iter(PREFLIGHT)),
        (b"OPTIONS", lambda: dict(PREFLIGHT).items()),
        (b"OPTIONS", [(Bytes(b"origin"), ORIGIN)]),
        (b"OPTIONS", [(b"origin", Bytes(ORIGIN))]),
        (b"OPTIONS", [(b"origin", bytearray(ORIGIN))]),
        (b"OPTIONS", [(b"origin", memoryview(ORIGIN))]),
        (b"OPTIONS", [(Str("origin"), ORIGIN.decode())]),
        (b"OPTIONS", [("origin", Str(ORIGIN.decode()))]),
        (b"OPTIONS", [("origin", "https://app.example.com\u00e9")]),
        (b"OPTIONS", [("x-\u00e9", "1"), (b"origin", ORIGIN)]),
        (b"OPTIONS", [(b"origin", ORIGIN, b"extra")]),
        (b"OPTIONS", [(b"host", b"a", b"b"), (b"origin", ORIGIN)]),
        (b"OPTIONS", [b"ab", (b"origin", ORIGIN)]),
        (b"OPTIONS", [(b"origin",)]),
    ],
)
def test_other_inputs_are_deferred_to_ctypes(
    app_policy: corsgate.Policy, method: object, headers: object
) -> None:
    """Anything outside the fast path gets the ctypes path's exact answer or
    exception."""
    # Iterators are consumed: a callable makes a fresh one for each use.
    fresh = headers if callable(headers) else lambda: headers
    assert native(app_policy, method, fresh()) is None
    try:
        expected = app_policy._evaluate_ctypes(method, fresh())
    except TypeError as exc:
        with pytest.raises(TypeError) as raised:
            app_policy.evaluate(method, fresh())
        assert str(raised.value) == str(exc)
    else:
        assert app_policy.evaluate(method, fresh()) == expected


@needs_extension
@pytest.mark.parametrize(
    "method, headers, message",
    [
        (None, [], "method must be str or bytes, not NoneType"),
        (b"GET", [(b"origin", 5)], "header values must be str or bytes, not int"),
        (b"GET", [(5, b"x")], "object of type 'int' has no len()"),
        (b"GET", 5, "'int' object is not iterable"),
    ],
)
def test_errors_keep_their_messages(
    app_policy: corsgate.Policy, method: object, headers: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        app_policy.evaluate(method, headers)  # type: ignore[arg-type]


@needs_extension
def test_non_ascii_names_are_skipped_like_ctypes_skips_them(
    app_policy: corsgate.Policy,
) -> None:
    # Not a CORS field in HTTP, whatever str.lower() makes of it; a non-ASCII
    # str name is deferred, so this checks the two paths agree on it.
    headers = [(b"origin", ORIGIN), ("Origi\u212a", "https://evil.test")]
    assert both(app_policy, b"GET", headers).allowed


@needs_extension
@pytest.mark.parametrize("count", [2, 7, 8, 9, 16, 100, 10_000])
def test_hostile_counts_of_cors_fields(app_policy: corsgate.Policy, count: int) -> None:
    """Repeated fields are all passed on, past the stack array, as the engine
    expects them (repeated Origin or ACRM fails closed, over 4 ACRH lines is
    refused as a whole)."""
    filler = [(b"x-filler", b"y")] * count
    origins = [(b"origin", ORIGIN)] * count
    d = both(app_policy, b"GET", filler + origins)
    assert (d.reason, d.allowed) == ("invalid_origin", False)

    acrh = [(b"access-control-request-headers", b"content-type")] * count
    d = both(
        app_policy,
        b"OPTIONS",
        [(b"origin", ORIGIN), (b"access-control-request-method", b"PUT")] + acrh,
    )
    assert d.allowed == (count <= 4)
    assert d.reason == ("ok" if count <= 4 else "header_not_allowed")

    acrm = [(b"access-control-request-method", b"PUT")] * count
    d = both(app_policy, b"OPTIONS", [(b"origin", ORIGIN)] + acrm)
    assert (d.kind, d.reason) == ("preflight", "method_not_allowed")


@needs_extension
def test_engine_errors_are_raised_by_the_ctypes_path() -> None:
    freed = corsgate.Policy._adopt(0)  # no handle: the engine refuses NULL
    assert native(freed, b"GET", []) is None
    assert _policy._native.evaluate_head(0, b"GET / HTTP/1.1\r\n\r\n") is None
    with pytest.raises(RuntimeError, match="null_parameter"):
        freed.evaluate(b"GET", [])
    with pytest.raises(RuntimeError, match="null_parameter"):
        freed.evaluate_head(b"GET / HTTP/1.1\r\n\r\n")


@needs_extension
def test_native_functions_check_their_arguments(app_policy: corsgate.Policy) -> None:
    with pytest.raises(TypeError, match="takes 3 positional arguments"):
        _policy._native.evaluate(app_policy._handle, b"GET")
    with pytest.raises(TypeError, match="takes 2 positional arguments"):
        _policy._native.evaluate_head(app_policy._handle)
    with pytest.raises(TypeError):
        _policy._native.evaluate("not a handle", b"GET", [])
    with pytest.raises(RuntimeError, match="already configured"):
        _policy._native.configure(corsgate.Decision, (), (), {})


@needs_extension
def test_evaluate_head_fast_path(app_policy: corsgate.Policy) -> None:
    head = b"OPTIONS / HTTP/1.1\r\n" + b"".join(
        n + b": " + v + b"\r\n" for n, v in PREFLIGHT
    )
    head += b"\r\n"
    assert _policy._native.evaluate_head(app_policy._handle, head) is not None
    assert _policy._native.evaluate_head(app_policy._handle, bytearray(head)) is None
    for raw in (head, bytearray(head), memoryview(head), Bytes(head)):
        assert app_policy.evaluate_head(raw) == app_policy._evaluate_head_ctypes(raw)
    for broken in (b"", b"\x00", b"GET / HTTP/1.1\r\n" + b"a" * 70_000):
        assert app_policy.evaluate_head(broken) == app_policy._evaluate_head_ctypes(
            broken
        )


class _ClearsHeaders:
    """Cyclic garbage whose finalizer empties a header list, then allocates
    bytes of the freed values' size so that their memory is reused."""

    def __init__(self, headers: list, size: int, ran: list) -> None:
        self.headers = headers
        self.size = size
        self.ran = ran
        self.cycle = self

    def __del__(self) -> None:
        self.ran.append(True)
        self.headers.clear()
        self.junk = [b"X" * self.size for _ in range(64)]


@needs_extension
@pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="from 3.12 collections run between bytecodes, never inside a C call",
)
def test_echoed_values_survive_a_collection_during_the_call() -> None:
    """A collection started by an allocation inside evaluate() runs
    finalizers, which can empty the header list and free the Origin value the
    decision echoes. The extension must copy it before allocating anything
    that can collect (a use-after-free gave b"XXX..." or pointer bytes)."""
    policy = corsgate.Policy(origins=["https://*.example.com"], credentials=True)
    host = "app.example.com"
    wanted = ("https://" + host).encode()
    threshold = gc.get_threshold()
    gc.collect()
    try:
        for _ in range(200):
            # Built at run time so that only the list refers to it.
            headers = [(b"origin", ("https://" + host).encode())]
            ran: list = []
            _ClearsHeaders(headers, len(wanted), ran)  # garbage at once
            assert not ran
            gc.set_threshold(1)
            d = native(policy, b"GET", headers)
            gc.set_threshold(*threshold)
            assert ran and headers == [], "no collection inside the call"
            assert d.raw_headers[0] == (b"access-control-allow-origin", wanted)
    finally:
        gc.set_threshold(*threshold)


@needs_extension
def test_no_reference_or_memory_leak_on_the_fast_path(
    app_policy: corsgate.Policy,
) -> None:
    """A million evaluations through the heap array (more than 8 fields) and
    the stack array leave input refcounts and RSS where they were."""
    hostile = [(b"origin", ORIGIN)] * 20 + [(b"access-control-request-headers", b"a")]
    ordinary = list(PREFLIGHT)
    watched = [ORIGIN, hostile, ordinary, PREFLIGHT[3][1]]
    evaluate = app_policy.evaluate

    def run(n: int) -> None:
        for _ in range(n // 2):
            evaluate(b"OPTIONS", hostile)
            evaluate("OPTIONS", ordinary)

    run(100_000)
    gc.collect()
    refs = [sys.getrefcount(o) for o in watched]
    before = rss_bytes()
    run(1_000_000)
    gc.collect()
    grown = rss_bytes() - before
    assert [sys.getrefcount(o) for o in watched] == refs
    assert grown < 512 * 1024, f"RSS grew by {grown} bytes"
