"""The ASGI send wrapper: the extension's ``send_with_cors`` and the Python
``_SendWithCORS`` of the ctypes backend do the same thing to every message.

The middleware tests (test_asgi.py) run through whichever is active; here
both are driven side by side with the same messages and the same server
send, on the extension run (the C one only exists there)."""

from __future__ import annotations

import gc
import sys
from collections import UserDict
from typing import Any, Callable, List

import pytest

import corsgate
from corsgate import _backend, asgi
from corsgate._headers import SPECIAL_LENGTHS, merge_headers

CORS = [(b"access-control-allow-origin", b"https://a.example"), (b"vary", b"Origin")]

needs_extension = pytest.mark.skipif(
    corsgate.BACKEND != "extension",
    reason="compares the C wrapper with the Python one; covered by the extension run",
)


def wrappers() -> List[Callable[..., Any]]:
    found: List[Callable[..., Any]] = [asgi._SendWithCORS]
    if _backend.native is not None:
        found.append(_backend.native.send_with_cors)
    return found


def test_the_active_wrapper_follows_the_backend() -> None:
    expected = wrappers()[-1] if corsgate.BACKEND == "extension" else wrappers()[0]
    assert asgi._send_with_cors is expected


class Server:
    """A server's send: records the messages, returns an awaitable."""

    def __init__(self) -> None:
        self.sent: list = []

    def __call__(self, message: Any) -> Any:
        self.sent.append(message)

        async def sent() -> str:
            return "sent"

        return sent()


def run(awaitable: Any) -> Any:
    try:
        awaitable.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the awaitable did not finish")


@pytest.mark.parametrize("make", wrappers())
def test_start_gets_the_cors_headers_on_a_copy(make: Callable[..., Any]) -> None:
    server = Server()
    wrapper = make(server, CORS, merge_headers, SPECIAL_LENGTHS)
    assert wrapper.started is False
    start = {"type": "http.response.start", "status": 200, "headers": [(b"a", b"1")]}
    assert run(wrapper(start)) == "sent"
    assert wrapper.started is True
    assert start["headers"] == [(b"a", b"1")], "the application's message changed"
    assert server.sent == [dict(start, headers=[(b"a", b"1")] + CORS)]
    body = {"type": "http.response.body", "body": b"ok"}
    assert run(wrapper(body)) == "sent"
    assert server.sent[1] is body


@pytest.mark.parametrize("make", wrappers())
def test_odd_messages(make: Callable[..., Any]) -> None:
    server = Server()
    wrapper = make(server, CORS, merge_headers, SPECIAL_LENGTHS)
    # No headers key; a mapping that is not a dict.
    run(wrapper({"type": "http.response.start", "status": 204}))
    run(wrapper(UserDict({"type": "http.response.start", "status": 200})))
    assert server.sent == [
        {"type": "http.response.start", "status": 204, "headers": CORS},
        {"type": "http.response.start", "status": 200, "headers": CORS},
    ]
    with pytest.raises(KeyError):
        wrapper({"status": 200})
    with pytest.raises(TypeError):
        wrapper()
    with pytest.raises(TypeError):
        wrapper({"type": "http.response.body"}, {"type": "http.response.body"})


@pytest.mark.parametrize("make", wrappers())
@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"a", b"1"), (b"content-length", b"2")],
        (("x-custom-header-27-bytes-ab", b"1"),),  # a special length, not a name
        [(b"x-custom-header-27-bytes-ab", b"1")],
        [(b"Access-Control-Allow-Origin", b"*"), (b"content-type", b"text/plain")],
        [(b"vary", b"Accept-Encoding"), (b"VARY", b"Cookie")],
        [(b"vary", b"*")],
        [[b"vary", b"Cookie"]],
        [(bytearray(b"Vary"), b"Cookie"), ("x-str", "1")],
        [(b"x-" + b"a" * 100, b"1")],
    ],
    ids=lambda h: repr(h)[:40],
)
def test_the_merge_matches_merge_headers(
    make: Callable[..., Any], headers: Any
) -> None:
    """With or without the extension's shortcut, the start message carries
    exactly what merge_headers makes of the application's headers."""
    expected = merge_headers(list(headers), CORS)
    server = Server()
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    run(make(server, CORS, merge_headers, SPECIAL_LENGTHS)(start))
    assert server.sent[0]["headers"] == expected
    assert start["headers"] is headers


def test_special_lengths_cover_every_special_name() -> None:
    from corsgate._headers import _SPECIAL

    for name in _SPECIAL:
        assert SPECIAL_LENGTHS >> len(name) & 1, name
    assert SPECIAL_LENGTHS < 1 << 64  # the extension reads it as 64 bits


@pytest.mark.parametrize("make", wrappers())
def test_only_the_c_wrapper_takes_the_shortcut(make: Callable[..., Any]) -> None:
    calls = []

    def counting(headers: Any, cors: Any) -> Any:
        calls.append(headers)
        return merge_headers(headers, cors)

    server = Server()
    wrapper = make(server, CORS, counting, SPECIAL_LENGTHS)
    run(wrapper({"type": "http.response.start", "headers": [(b"a", b"1")]}))
    run(wrapper({"type": "http.response.start", "headers": [(b"vary", b"x")]}))
    assert server.sent[0]["headers"] == [(b"a", b"1")] + CORS
    assert server.sent[1]["headers"] == [(b"vary", b"x, Origin"), CORS[0]]
    shortcut = make is not asgi._SendWithCORS
    assert calls == (
        [[(b"vary", b"x")]] if shortcut else [[(b"a", b"1")], [(b"vary", b"x")]]
    )


@pytest.mark.parametrize("make", wrappers())
def test_errors_of_the_merge_and_of_the_server_propagate(
    make: Callable[..., Any],
) -> None:
    def broken_merge(headers: Any, cors: Any) -> Any:
        raise ValueError("merge")

    wrapper = make(Server(), CORS, broken_merge, SPECIAL_LENGTHS)
    with pytest.raises(ValueError, match="merge"):
        wrapper({"type": "http.response.start", "status": 200})
    assert wrapper.started is True

    def refusing(message: Any) -> Any:
        raise OSError("gone")

    wrapper = make(refusing, CORS, merge_headers, SPECIAL_LENGTHS)
    with pytest.raises(OSError, match="gone"):
        wrapper({"type": "http.response.body"})
    assert wrapper.started is False


@needs_extension
def test_the_c_wrapper_leaks_nothing() -> None:
    server = Server()
    start = {"type": "http.response.start", "status": 200, "headers": [(b"a", b"1")]}
    body = {"type": "http.response.body", "body": b""}
    watched = [server, start, body, CORS, merge_headers]
    make = _backend.native.send_with_cors

    def requests(n: int) -> None:
        for _ in range(n):
            wrapper = make(server, CORS, merge_headers, SPECIAL_LENGTHS)
            run(wrapper(start))
            run(wrapper(body))
            server.sent.clear()

    requests(1000)
    gc.collect()
    before = [sys.getrefcount(o) for o in watched]
    requests(10_000)
    gc.collect()
    assert [sys.getrefcount(o) for o in watched] == before


@needs_extension
def test_a_cycle_through_the_c_wrapper_is_collected() -> None:
    """The wrapper is tracked by the garbage collector: an application that
    keeps its send inside a cycle does not leak it."""
    import weakref

    class Holder:
        pass

    holder = Holder()
    wrapper = _backend.native.send_with_cors(
        holder.__init__, [holder], merge_headers, SPECIAL_LENGTHS
    )
    holder.send = wrapper  # type: ignore[attr-defined]
    alive = weakref.ref(holder)
    del holder, wrapper
    gc.collect()
    assert alive() is None
