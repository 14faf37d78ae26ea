"""corsgate.wsgi.CORSMiddleware in a real Flask app, through its test client."""

from __future__ import annotations

import pytest
from flask import Flask, abort

import corsgate
from corsgate.wsgi import CORSMiddleware

ORIGIN = "https://app.example.com"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def make_app(**options) -> tuple:
    app = Flask(__name__)
    calls: list = []

    @app.route("/items", methods=["GET", "POST", "PUT", "OPTIONS"])
    def items():
        from flask import request

        calls.append(request.method)
        return "items", 200, {"Vary": "Accept-Encoding", "X-Request-Id": "42"}

    @app.route("/teapot")
    def teapot():
        abort(418)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    app.wsgi_app = CORSMiddleware(app.wsgi_app, **options)
    return app, calls


OPTIONS = dict(
    allow_origins=[ORIGIN, "https://*.example.com"],
    allow_methods=["GET", "POST", "PUT"],
    allow_headers=["authorization", "x-request-id"],
    allow_credentials=True,
    expose_headers=["x-request-id"],
)


def test_preflight_is_answered_by_the_middleware() -> None:
    app, calls = make_app(**OPTIONS)
    r = app.test_client().options(
        "/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert r.headers["Access-Control-Allow-Methods"] == "PUT"
    assert r.headers["Access-Control-Allow-Headers"] == "authorization"
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert r.headers["Vary"] == PREFLIGHT_VARY
    assert calls == []


def test_denied_preflight() -> None:
    app, calls = make_app(**OPTIONS)
    r = app.test_client().options(
        "/items", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PATCH"}
    )
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers
    assert r.headers["Vary"] == PREFLIGHT_VARY
    assert calls == []


def test_actual_requests() -> None:
    app, calls = make_app(**OPTIONS)
    client = app.test_client()
    r = client.get("/items", headers={"Origin": "https://a.example.com"})
    assert r.status_code == 200 and r.text == "items"
    assert r.headers["Access-Control-Allow-Origin"] == "https://a.example.com"
    assert r.headers["Access-Control-Expose-Headers"] == "x-request-id"
    assert r.headers.getlist("Vary") == ["Accept-Encoding, Origin"]
    for headers in ({"Origin": "https://evil.test"}, {}):
        r = client.get("/items", headers=headers)
        assert "Access-Control-Allow-Origin" not in r.headers
        assert r.headers.getlist("Vary") == ["Accept-Encoding, Origin"]
    # Two Origin lines reach WSGI as one comma-joined value: refused.
    r = client.get("/items", headers=[("Origin", ORIGIN), ("Origin", ORIGIN)])
    assert "Access-Control-Allow-Origin" not in r.headers


def test_error_responses_get_cors_headers() -> None:
    app, _ = make_app(**OPTIONS)
    client = app.test_client()
    for path, status in (("/teapot", 418), ("/missing", 404), ("/boom", 500)):
        r = client.get(path, headers={"Origin": ORIGIN})
        assert r.status_code == status
        assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "Origin" in r.headers["Vary"]


def test_a_raising_wsgi_app_gets_a_500_with_cors_headers() -> None:
    def broken(environ, start_response):
        raise RuntimeError("broken")

    class Errors:
        text = ""

        def write(self, s: str) -> None:
            self.text += s

    errors = Errors()
    captured: list = []
    middleware = CORSMiddleware(broken, policy=corsgate.Policy(origins=[ORIGIN]))
    body = middleware(
        {"REQUEST_METHOD": "GET", "HTTP_ORIGIN": ORIGIN, "wsgi.errors": errors},
        lambda status, headers, exc_info=None: captured.append((status, headers)),
    )
    assert b"".join(body) == b"Internal Server Error"
    status, headers = captured[0]
    assert status == "500 Internal Server Error"
    assert ("Access-Control-Allow-Origin", ORIGIN) in headers
    assert "RuntimeError: broken" in errors.text


def test_report_only_changes_nothing() -> None:
    app, calls = make_app(policy=corsgate.Policy(origins=[ORIGIN], mode="report-only"))
    r = app.test_client().options(
        "/items", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}
    )
    assert r.status_code == 200 and calls == ["OPTIONS"]
    assert r.headers.getlist("Vary") == ["Accept-Encoding"]


def test_constructor_errors() -> None:
    with pytest.raises(corsgate.PolicyError):
        make_app(allow_origins=["*"], allow_credentials=True)
    with pytest.raises(ValueError):
        make_app(allow_origins=[ORIGIN], allow_origin_regex=".*")
    with pytest.raises(TypeError):
        make_app(policy={"origins": [ORIGIN]})
