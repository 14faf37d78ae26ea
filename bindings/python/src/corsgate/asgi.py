"""ASGI middleware: corsgate in front of Starlette, FastAPI or any ASGI app.

A drop-in for ``starlette.middleware.cors.CORSMiddleware``::

    from corsgate.asgi import CORSMiddleware

    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://app.example.com", "https://*.example.com"],
        allow_methods=["GET", "POST", "PUT"],
        allow_headers=["authorization", "x-request-id"],
        allow_credentials=True,
    )

or with a compiled policy: ``app.add_middleware(CORSMiddleware,
policy=corsgate.Policy.from_file("cors.toml"))``.

Behaviour:

* preflights are answered by the middleware (204, or the policy's
  ``preflight_status``; 403 without CORS headers when denied, unless the
  policy forwards denied preflights to the application);
* every other HTTP response, the application's error responses included,
  gets the decision's headers: CORS response headers the application set
  itself are removed (the policy is their only source), and ``Vary`` is
  appended to, never replaced;
* when the application raises before starting a response, the middleware
  answers 500 with the CORS headers (so the browser shows the error instead
  of a CORS failure) and re-raises the exception for the server to log;
* WebSocket and lifespan scopes pass through untouched.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Collection, MutableMapping, Optional

from . import _backend
from ._headers import CORS_RESPONSE_NAMES, SPECIAL_LENGTHS, merge_headers
from ._options import resolve_policy
from ._policy import Policy

__all__ = ["CORSMiddleware", "CORS_RESPONSE_NAMES", "merge_headers"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ERROR_BODY = b"Internal Server Error"
_CONTENT_LENGTH_ZERO = (b"content-length", b"0")


class _SendWithCORS:
    """The send the application gets for an actual CORS request: adds the
    decision's headers to the response start message (a copy: applications
    may reuse their messages) and says whether it went through.

    ``__call__`` is a plain function returning the server's awaitable: an
    ``async def`` would add a coroutine to every message. The extension
    backend uses ``_speedups.send_with_cors``, the same logic in C (a
    Python-level wrapper costs two function frames per request)."""

    __slots__ = ("send", "cors", "merge", "started")

    def __init__(
        self, send: Send, cors: list, merge: Callable, special_lengths: int = 0
    ) -> None:
        # special_lengths: the extension's shortcut (see _speedups.c); the
        # Python wrapper always calls merge, which does the same itself.
        self.send = send
        self.cors = cors
        self.merge = merge
        self.started = False

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.started = True
            message = dict(message)
            message["headers"] = self.merge(message.get("headers", ()), self.cors)
        return self.send(message)


_send_with_cors: Callable[[Send, list, Callable, int], Any] = (
    _backend.native.send_with_cors if _backend.native is not None else _SendWithCORS
)


class CORSMiddleware:
    """ASGI CORS middleware backed by a corsgate :class:`~corsgate.Policy`.

    Takes Starlette's keywords (see :mod:`corsgate._options` for the exact
    mapping) or ``policy=`` a compiled policy, not both.
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: Optional[str] = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: Optional[int] = 600,
        *,
        policy: Optional[Policy] = None,
    ) -> None:
        self.app = app
        self.policy = resolve_policy(
            policy,
            allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            allow_credentials=allow_credentials,
            allow_origin_regex=allow_origin_regex,
            allow_private_network=allow_private_network,
            expose_headers=expose_headers,
            max_age=max_age,
        )

    @property
    def policy(self) -> Policy:
        """The policy every request is evaluated against (assignable)."""
        return self._policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self._policy = policy
        # Bound once: saves two lookups and a bound method per request.
        self._evaluate = policy.evaluate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        decision = self._evaluate(scope["method"], scope["headers"])
        # A new list for each decision: the middleware may extend it.
        cors = decision.raw_headers
        if decision.status:
            # A preflight the policy answers (allowed, or denied and not
            # forwarded): the application never sees it.
            cors.append(_CONTENT_LENGTH_ZERO)
            await send(
                {
                    "type": "http.response.start",
                    "status": decision.status,
                    "headers": cors,
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if not cors:
            # Report-only mode: nothing about the response changes.
            await self.app(scope, receive, send)
            return
        send_with_cors = _send_with_cors(send, cors, merge_headers, SPECIAL_LENGTHS)
        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:
            if not send_with_cors.started:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(_ERROR_BODY)).encode()),
                        ]
                        + cors,
                    }
                )
                await send({"type": "http.response.body", "body": _ERROR_BODY})
            raise
