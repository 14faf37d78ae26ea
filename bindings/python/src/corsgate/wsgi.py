"""WSGI middleware: corsgate in front of Flask, Django or any WSGI app.

::

    from corsgate.wsgi import CORSMiddleware

    app.wsgi_app = CORSMiddleware(               # Flask
        app.wsgi_app,
        allow_origins=["https://app.example.com"],
        allow_methods=["GET", "POST", "PUT"],
        allow_headers=["authorization"],
        allow_credentials=True,
    )

    application = CORSMiddleware(get_wsgi_application(), policy=policy)  # Django

It takes the same keywords as :class:`corsgate.asgi.CORSMiddleware` and
behaves the same way: preflights are answered here, every other response
(errors included) gets the CORS headers, CORS response headers the
application set itself are removed and ``Vary`` is appended to. When the application raises before calling ``start_response``, the
middleware answers 500 with the CORS headers and writes the traceback to
``wsgi.errors``.

WSGI servers join repeated header lines with commas, so a request with two
``Origin`` lines arrives as one invalid origin and is refused, as the
engine refuses it from a raw head.
"""

from __future__ import annotations

import functools
import sys
import traceback
from http import HTTPStatus
from typing import Any, Callable, Collection, Iterable, Optional

from ._headers import merge_headers
from ._options import resolve_policy
from ._policy import Policy

__all__ = ["CORSMiddleware", "merge_headers"]

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]

# The environ keys of the request fields the engine reads.
_FIELDS = (
    ("HTTP_ORIGIN", b"origin"),
    ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", b"access-control-request-method"),
    ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", b"access-control-request-headers"),
    (
        "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK",
        b"access-control-request-private-network",
    ),
)
_ERROR_BODY = b"Internal Server Error"


# The engine answers preflights with a handful of statuses (200, 204, 400,
# 403, 431); HTTPStatus's lookup costs more than the rest of a preflight.
@functools.lru_cache(maxsize=16)
def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


class CORSMiddleware:
    """WSGI CORS middleware backed by a corsgate :class:`~corsgate.Policy`.

    Takes Starlette's ``CORSMiddleware`` keywords or ``policy=``.
    """

    def __init__(
        self,
        app: WSGIApp,
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

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        get = environ.get
        fields = [
            (name, value) for key, name in _FIELDS if (value := get(key)) is not None
        ]
        decision = self.policy.evaluate(environ.get("REQUEST_METHOD", "GET"), fields)
        cors = decision.headers
        if decision.status:
            start_response(
                _status_line(decision.status), cors + [("Content-Length", "0")]
            )
            return [b""]
        if not cors:
            return self.app(environ, start_response)
        started = False

        def start_with_cors(status: str, headers: list, exc_info: Any = None) -> Any:
            nonlocal started
            started = True
            return start_response(status, merge_headers(headers, cors), exc_info)

        try:
            return self.app(environ, start_with_cors)
        except Exception:
            if started:
                raise
            errors = environ.get("wsgi.errors", sys.stderr)
            errors.write(traceback.format_exc())
            start_response(
                "500 Internal Server Error",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(_ERROR_BODY))),
                ]
                + cors,
                sys.exc_info(),
            )
            return [_ERROR_BODY]
