"""corsgate.asgi.CORSMiddleware in a real Starlette app, through its TestClient."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

import corsgate
from corsgate.asgi import CORSMiddleware

ORIGIN = "https://app.example.com"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
calls: list = []


async def items(request):
    calls.append(request.method)
    return PlainTextResponse(
        "items", headers={"Vary": "Accept-Encoding", "X-Request-Id": "42"}
    )


async def own_cors(request):
    return PlainTextResponse(
        "x",
        headers={
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Expose-Headers": "x-secret",
            "Vary": "*",
        },
    )


async def teapot(request):
    raise HTTPException(status_code=418)


async def boom(request):
    raise RuntimeError("boom")


async def echo(websocket):
    await websocket.accept()
    await websocket.send_text("hi")
    await websocket.close()


def make_app(**options) -> Starlette:
    routes = [
        Route("/items", items, methods=["GET", "POST", "PUT", "OPTIONS"]),
        Route("/own", own_cors),
        Route("/teapot", teapot),
        Route("/boom", boom),
        WebSocketRoute("/ws", echo),
    ]
    return Starlette(routes=routes, middleware=[Middleware(CORSMiddleware, **options)])


STARLETTE_OPTIONS = dict(
    allow_origins=[ORIGIN, "https://*.example.com"],
    allow_methods=["GET", "POST", "PUT"],
    allow_headers=["authorization", "x-request-id"],
    allow_credentials=True,
    expose_headers=["x-request-id"],
)


@pytest.fixture
def client() -> TestClient:
    calls.clear()
    return TestClient(make_app(**STARLETTE_OPTIONS), raise_server_exceptions=False)


def test_preflight_is_answered_by_the_middleware(client: TestClient) -> None:
    r = client.options(
        "/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-request-id",
        },
    )
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.headers["access-control-allow-credentials"] == "true"
    assert r.headers["access-control-allow-methods"] == "PUT"
    # content-type is safelisted, as in Starlette.
    assert r.headers["access-control-allow-headers"] == "content-type,x-request-id"
    assert r.headers["access-control-max-age"] == "600"
    assert r.headers["vary"] == PREFLIGHT_VARY
    assert calls == []


def test_denied_preflight_is_403_without_cors_headers(client: TestClient) -> None:
    r = client.options(
        "/items",
        headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"},
    )
    assert r.status_code == 403
    assert "access-control-allow-origin" not in r.headers
    assert r.headers["vary"] == PREFLIGHT_VARY
    assert calls == []


def test_options_without_acrm_reaches_the_app(client: TestClient) -> None:
    r = client.options("/items", headers={"Origin": ORIGIN})
    assert r.status_code == 200 and calls == ["OPTIONS"]
    assert r.headers["access-control-allow-origin"] == ORIGIN


def test_actual_request_gets_headers_and_vary_is_appended(client: TestClient) -> None:
    r = client.get("/items", headers={"Origin": "https://tenant.example.com"})
    assert r.status_code == 200 and r.text == "items"
    assert r.headers["access-control-allow-origin"] == "https://tenant.example.com"
    assert r.headers["access-control-allow-credentials"] == "true"
    assert r.headers["access-control-expose-headers"] == "x-request-id"
    assert r.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_denied_and_non_cors_requests_vary_on_origin(client: TestClient) -> None:
    for headers in ({"Origin": "https://evil.test"}, {}):
        r = client.get("/items", headers=headers)
        assert r.status_code == 200
        assert "access-control-allow-origin" not in r.headers
        assert r.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_app_cors_headers_are_replaced_and_vary_star_kept(client: TestClient) -> None:
    r = client.get("/own", headers={"Origin": ORIGIN})
    assert r.headers.get_list("access-control-allow-origin") == [ORIGIN]
    assert r.headers.get_list("access-control-expose-headers") == ["x-request-id"]
    assert r.headers.get_list("vary") == ["*"]
    # The policy is the only source of CORS headers: a denied origin gets
    # none, whatever the application set.
    r = client.get("/own", headers={"Origin": "https://evil.test"})
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-expose-headers" not in r.headers


def test_error_responses_get_cors_headers(client: TestClient) -> None:
    r = client.get("/teapot", headers={"Origin": ORIGIN})
    assert r.status_code == 418
    assert r.headers["access-control-allow-origin"] == ORIGIN
    r = client.get("/missing", headers={"Origin": ORIGIN})
    assert r.status_code == 404
    assert r.headers["access-control-allow-origin"] == ORIGIN
    r = client.get("/boom", headers={"Origin": ORIGIN})
    assert r.status_code == 500
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert r.headers["vary"] == "Origin"


def test_unhandled_errors_are_still_raised() -> None:
    client = TestClient(make_app(**STARLETTE_OPTIONS))
    with pytest.raises(RuntimeError, match="boom"):
        client.get("/boom", headers={"Origin": ORIGIN})


def test_websockets_pass_through(client: TestClient) -> None:
    with client.websocket_connect("/ws", headers={"Origin": ORIGIN}) as ws:
        assert ws.receive_text() == "hi"


def test_policy_keyword_and_report_only() -> None:
    policy = corsgate.Policy(origins=[ORIGIN], mode="report-only")
    client = TestClient(make_app(policy=policy))
    r = client.options(
        "/items", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}
    )
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    assert r.headers.get_list("vary") == ["Accept-Encoding"]


def test_forwarded_denied_preflight_reaches_the_app() -> None:
    policy = corsgate.Policy(origins=[ORIGIN], denied_preflight="forward")
    calls.clear()
    client = TestClient(make_app(policy=policy))
    r = client.options(
        "/items",
        headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"},
    )
    assert r.status_code == 200 and calls == ["OPTIONS"]
    assert "access-control-allow-origin" not in r.headers
    assert "Origin" in r.headers["vary"]


def test_constructor_errors() -> None:
    async def app(scope, receive, send):  # pragma: no cover - never called
        raise AssertionError

    with pytest.raises(corsgate.PolicyError) as info:
        CORSMiddleware(app, allow_origins=["*"], allow_credentials=True)
    assert "wildcard_with_credentials" in info.value.kinds()
    with pytest.raises(ValueError, match="allow_origin_regex"):
        CORSMiddleware(app, allow_origins=[ORIGIN], allow_origin_regex=r"https://.*")
    with pytest.raises(TypeError):
        CORSMiddleware(app, allow_origins=ORIGIN)
    with pytest.raises(TypeError):
        CORSMiddleware(app, policy="cors.toml")
    with pytest.raises(TypeError):
        CORSMiddleware(
            app, allow_origins=[ORIGIN], policy=corsgate.Policy(origins=[ORIGIN])
        )
    with pytest.raises(TypeError):
        CORSMiddleware(app, allow_origins=[ORIGIN], allow_everything=True)  # type: ignore[call-arg]


def test_starlette_wildcards_map_onto_the_policy() -> None:
    client = TestClient(
        make_app(allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])
    )
    r = client.options(
        "/items",
        headers={
            "Origin": "https://anyone.test",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "x-anything",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "*"
    assert r.headers["access-control-allow-headers"] == "*"
