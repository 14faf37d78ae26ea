"""The policy most tests share, as a plain function: the conftest fixture
and the allocation-failure child process (which runs outside pytest) both
build it from here."""

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
