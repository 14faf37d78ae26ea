"""Child process of test_nomemory.py: the extension under allocation failure.

Run as ``python nomemory_child.py`` with ``CORSGATE_BACKEND=extension``. For
each case it sweeps ``_testcapi.set_nomemory`` over the allocations of one
call into the extension, in two modes: only allocation number ``start``
fails, and every allocation from ``start`` on fails. Each call must return
a Decision or raise MemoryError. The sweep of a case ends at the first
``start`` past all of the call's allocations (the call succeeds although
every later allocation would fail). Then the same calls must give the
ctypes path's decisions, and the inputs and the Decision class must have
their reference counts back.

Prints one JSON object: per case, the calls made, how many raised
MemoryError and how many allocations a call makes. Exits non-zero, with a
traceback, on anything else; a crash kills it with a signal.
"""

from __future__ import annotations

import gc
import json
import sys
from typing import Any, Callable, Tuple

import _testcapi

import corsgate
from corsgate import _backend
from corsgate._headers import SPECIAL_LENGTHS, merge_headers

import policies  # tests/, this script's directory

# Far above the allocations of one call (a few tens): a bound, not a guess.
MAX_START = 1000

ORIGIN, PREFLIGHT = policies.ORIGIN, policies.PREFLIGHT

# 20 CORS fields: past the stack array (8), then past its first heap
# array (16), so both the allocation and the reallocation can fail.
HOSTILE = [(b"origin", ORIGIN), (b"access-control-request-method", b"PUT")] + [
    (b"access-control-request-headers", b"content-type")
] * 18
HEAD = (
    b"OPTIONS /items HTTP/1.1\r\n"
    + b"".join(n + b": " + v + b"\r\n" for n, v in PREFLIGHT)
    + b"\r\n"
)


class Outcome:
    DECISION = "decision"
    MEMORY_ERROR = "MemoryError"


def call_failing(
    function: Callable[..., Any],
    args: Tuple[Any, ...],
    start: int,
    stop: int,
    expected: type,
) -> str:
    """Calls function(*args) with allocations start+1..stop failing (all
    from start+1 on when stop is 0)."""
    _testcapi.set_nomemory(start, stop)
    try:
        try:
            result = function(*args)
        finally:
            # Before anything else runs, the except clause included.
            _testcapi.remove_mem_hooks()
    except MemoryError:
        return Outcome.MEMORY_ERROR
    if type(result) is not expected:
        raise AssertionError(f"returned {result!r}, not a {expected.__name__}")
    return Outcome.DECISION


def sweep(
    function: Callable[..., Any],
    args: Tuple[Any, ...],
    expected: type = corsgate.Decision,
) -> dict:
    calls = memory_errors = 0
    for start in range(MAX_START):
        outcomes = []
        for stop in (start + 1, 0):
            try:
                outcomes.append(call_failing(function, args, start, stop, expected))
            except Exception as exc:
                raise AssertionError(
                    f"{function.__name__}: allocation failure from number "
                    f"{start + 1} (to {stop or 'the end'}) gave {exc!r}, not "
                    f"a {expected.__name__} or MemoryError"
                ) from exc
            calls += 1
            memory_errors += outcomes[-1] == Outcome.MEMORY_ERROR
        if outcomes[-1] == Outcome.DECISION:
            return {
                "calls": calls,
                "memory_errors": memory_errors,
                "allocations": start,
            }
    raise AssertionError(f"{function.__name__}: still failing at {MAX_START}")


def sweep_and_compare(policy: corsgate.Policy) -> dict:
    """Sweeps each case, then checks the calls against the ctypes path."""
    native = _backend.native
    assert native is not None, _backend.REASON
    handle = policy._handle
    evaluations = {
        # The first sweep meets the response header names for the first
        # time, so it also covers the extension's name cache filling up.
        "evaluate-stack": (b"OPTIONS", PREFLIGHT),
        "evaluate-stack-str": ("GET", [("Origin", ORIGIN.decode())]),
        "evaluate-heap": (b"OPTIONS", HOSTILE),
    }
    report = {}
    for name, (method, headers) in evaluations.items():
        report[name] = sweep(native.evaluate, (handle, method, headers))
    report["evaluate_head"] = sweep(native.evaluate_head, (handle, HEAD))

    for name, (method, headers) in evaluations.items():
        expected = policy._evaluate_ctypes(method, headers)
        for got in (
            native.evaluate(handle, method, headers),
            policy.evaluate(method, headers),
        ):
            assert got == expected, (name, got, expected)
            assert got.headers == expected.headers, name
    expected = policy._evaluate_head_ctypes(HEAD)
    for got in (native.evaluate_head(handle, HEAD), policy.evaluate_head(HEAD)):
        assert got == expected, ("evaluate_head", got, expected)
        assert got.headers == expected.headers, "evaluate_head"
    return report


def sent(message: dict) -> dict:
    """The server's send of the wrapper sweep: returns what it got."""
    return message


START = {"type": "http.response.start", "status": 200, "headers": [(b"a", b"1")]}
# A Vary header: the wrapper calls merge_headers instead of its shortcut.
START_VARY = {"type": "http.response.start", "headers": [(b"vary", b"Cookie")]}


def sweep_send_wrapper() -> dict:
    """Sweeps the ASGI send wrapper: making one, and the start message
    through it (a dict copy, the Python merge, the server's send); then
    checks that the message it forwards is still right."""
    native = _backend.native
    cors = [(b"vary", b"Origin")]
    args = (sent, cors, merge_headers, SPECIAL_LENGTHS)
    report = {
        "send_with_cors-new": sweep(
            native.send_with_cors, args, type(native.send_with_cors(*args))
        ),
        "send_with_cors-start": sweep(native.send_with_cors(*args), (START,), dict),
        "send_with_cors-merge": sweep(
            native.send_with_cors(*args), (START_VARY,), dict
        ),
    }
    wrapper = native.send_with_cors(*args)
    assert wrapper(START) == dict(START, headers=[(b"a", b"1")] + cors)
    assert wrapper(START_VARY) == dict(
        START_VARY, headers=[(b"vary", b"Cookie, Origin")]
    )
    assert START["headers"] == [(b"a", b"1")]
    assert START_VARY["headers"] == [(b"vary", b"Cookie")]
    return report


def main() -> None:
    policy = policies.app_policy()
    # A leak on an error path would keep an input or a Decision alive.
    watched = [
        corsgate.Decision,
        ORIGIN,
        PREFLIGHT,
        HOSTILE,
        HEAD,
        START,
        START_VARY,
        sent,
    ]
    gc.collect()
    before = [sys.getrefcount(o) for o in watched]
    report = sweep_and_compare(policy)
    report.update(sweep_send_wrapper())
    gc.collect()
    after = [sys.getrefcount(o) for o in watched]
    assert after == before, f"reference counts changed: {before} -> {after}"
    print(json.dumps(report))


if __name__ == "__main__":
    main()
