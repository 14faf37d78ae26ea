"""merge_headers: the one merge of CORS headers into an application's
response headers, for ASGI (bytes pairs) and WSGI (str pairs) alike."""

from __future__ import annotations

import pytest

from corsgate import asgi, wsgi
from corsgate._headers import merge_headers

CORS = [
    ("Access-Control-Allow-Origin", "https://app.example.com"),
    ("Access-Control-Allow-Credentials", "true"),
    ("Vary", "Origin"),
]


def as_bytes(pairs: list) -> list:
    return [(n.lower().encode(), v.encode()) for n, v in pairs]


def both(existing: list, cors: list = CORS) -> list:
    """The str merge, after checking the bytes merge gives the same pairs."""
    merged = merge_headers(existing, cors)
    assert merge_headers(as_bytes(existing), as_bytes(cors)) == as_bytes(merged)
    return merged


def test_both_middlewares_use_the_shared_merge() -> None:
    assert asgi.merge_headers is merge_headers
    assert wsgi.merge_headers is merge_headers


def test_cors_headers_are_appended() -> None:
    existing = [("Content-Type", "text/plain"), ("Content-Length", "2")]
    assert both(existing) == existing + CORS


def test_the_application_s_cors_headers_are_dropped() -> None:
    existing = [
        ("access-control-allow-origin", "*"),
        ("Content-Type", "text/plain"),
        ("ACCESS-CONTROL-MAX-AGE", "5"),
        ("Access-Control-Expose-Headers", "x-secret"),
    ]
    assert both(existing) == [("Content-Type", "text/plain")] + CORS


@pytest.mark.parametrize(
    "vary, merged",
    [
        ("Accept-Encoding", "Accept-Encoding, Origin"),
        ("accept-encoding, origin", "accept-encoding, origin"),
        ("ORIGIN", "ORIGIN"),
        ("*", "*"),
        (" * ", " * "),
        ("", "Origin"),
    ],
)
def test_vary_is_appended_to(vary: str, merged: str) -> None:
    existing = [("Vary", vary), ("Content-Type", "text/plain"), ("Vary", "Cookie")]
    assert both(existing) == [
        ("Vary", merged),
        ("Content-Type", "text/plain"),
        ("Vary", "Cookie"),
        CORS[0],
        CORS[1],
    ]


def test_preflight_vary_tokens_skip_the_present_ones() -> None:
    cors = [("Vary", "Origin, Access-Control-Request-Method")]
    existing = [("vary", "access-control-request-method")]
    assert both(existing, cors) == [("vary", "access-control-request-method, Origin")]


def test_any_iterable_and_bytearray_names() -> None:
    existing = [(b"content-type", b"text/plain"), (b"vary", b"Cookie")]
    cors = as_bytes(CORS)
    expected = [
        (b"content-type", b"text/plain"),
        (b"vary", b"Cookie, Origin"),
    ] + cors[:2]
    assert merge_headers(iter(existing), cors) == expected
    assert merge_headers(tuple(existing), cors) == expected
    odd = [(bytearray(b"Vary"), b"Cookie"), (bytearray(b"X-A"), b"1")]
    assert (
        merge_headers(odd, cors)
        == [
            (bytearray(b"Vary"), b"Cookie, Origin"),
            (bytearray(b"X-A"), b"1"),
        ]
        + cors[:2]
    )


def test_the_inputs_are_not_changed() -> None:
    existing = [("Vary", "Cookie"), ("Access-Control-Allow-Origin", "*")]
    saved = list(existing)
    cors = list(CORS)
    merged = both(existing, cors)
    assert existing == saved and cors == CORS
    assert merged is not existing and merged is not cors
