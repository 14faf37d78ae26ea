"""The policy and the request most tests share, as plain values: the
conftest fixture, the backend tests and the allocation-failure child
process (which runs outside pytest) all take them from here."""

from __future__ import annotations

import corsgate


def app_policy() -> corsgate.Policy:
    """One exact origin and one wildcard, credentials, three request
    headers, an exposed header and a max-age."""
    return corsgate.Policy(
        origins=["https://app.example.com", "https://*.example.com"],
        methods=["GET", "POST", "PUT", "DELETE"],
        request_headers=["content-type", "authorization", "x-request-id"],
        expose_headers=["x-request-id"],
        credentials=True,
        max_age=600,
    )


ORIGIN = b"https://app.example.com"

# An allowed preflight for app_policy(), as an ASGI server lists it.
PREFLIGHT = [
    (b"host", b"api.example.com"),
    (b"origin", ORIGIN),
    (b"access-control-request-method", b"PUT"),
    (b"access-control-request-headers", b"content-type,x-request-id"),
    (b"accept", b"*/*"),
]
