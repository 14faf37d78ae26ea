"""The module inside a real haproxy with a local backend: preflights
answered by HAProxy (the backend never sees them), headers on every
response (backend responses, `http-request return`, `http-request deny`,
503 with no server), upstream CORS headers removed, Vary appended,
per-frontend/backend/route policies, report-only and forwarded denied
preflights, the log variables, unknown policy names."""

import pytest

from harness import (
    CORS_RULES,
    DECISION_RULE,
    PREFLIGHT_RULES,
    RESPONSE_RULES,
    Backend,
    Dir,
    Haproxy,
    global_section,
)

APP = "https://app.example.com"
OTHER = "https://other.example.net"
ADMIN = "https://admin.example.com"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

POLICIES = {
    "api": """origins = ["https://app.example.com"]
methods = ["GET", "POST", "PUT"]
request_headers = ["content-type", "x-request-id"]
expose_headers = ["x-request-id"]
credentials = true
max_age = 600
""",
    "admin": """origins = ["https://admin.example.com"]
methods = ["GET", "DELETE"]
credentials = true
""",
    "forward": """origins = ["https://app.example.com"]
denied_preflight = "forward"
""",
    "report": """origins = ["https://app.example.com"]
mode = "report-only"
""",
}


@pytest.fixture(scope="module")
def backend():
    with Backend() as b:
        yield b


@pytest.fixture(scope="module")
def haproxy(backend):
    directory = Dir()
    paths = {n: directory.file(f"{n}.toml", t) for n, t in POLICIES.items()}
    config = global_section(paths) + f"""
frontend fe
    bind 127.0.0.1:@PORT@
    log-format "%HU %[var(txn.cors_kind)] %[var(txn.cors_decision)] %[var(txn.cors_reason)]"
    http-request lua.corsgate api if {{ path_beg /api/ /return/ /deny/ /down/ /both/ }}
    http-request lua.corsgate forward if {{ path_beg /forward/ }}
    http-request lua.corsgate report if {{ path_beg /report/ }}
    http-request lua.corsgate nosuchpolicy if {{ path_beg /typo/ }}
{CORS_RULES}{DECISION_RULE}
    http-request return status 200 content-type text/plain string returned if {{ path_beg /return/ }}
    http-request deny deny_status 403 if {{ path_beg /deny/ }}
    use_backend down if {{ path_beg /down/ }}
    use_backend admin if {{ path_beg /admin/ /both/ }}
    default_backend app

backend app
    server s1 127.0.0.1:{backend.port}

backend admin
    http-request lua.corsgate admin{PREFLIGHT_RULES}
    server s1 127.0.0.1:{backend.port}

backend down
    server s1 127.0.0.1:1 disabled
"""
    with Haproxy(config, directory=directory) as h:
        yield h


def preflight(h, path, origin=APP, method="PUT", headers="content-type"):
    fields = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if headers is not None:
        fields.append(("Access-Control-Request-Headers", headers))
    return h.request("OPTIONS", path, fields)


def backend_saw(backend, method, path):
    return (method, path) in backend.seen


def test_allowed_preflight_answered_by_haproxy(haproxy, backend):
    r = preflight(haproxy, "/api/pre-ok")
    assert r.status == 204
    assert sorted(r.cors()) == sorted(
        [
            ["access-control-allow-origin", APP],
            ["access-control-allow-credentials", "true"],
            ["access-control-allow-methods", "PUT"],
            ["access-control-allow-headers", "content-type"],
            ["access-control-max-age", "600"],
            ["vary", PREFLIGHT_VARY],
        ]
    )
    assert r.get("X-Cors") == "preflight allowed ok"
    assert not backend_saw(backend, "OPTIONS", "/api/pre-ok")


def test_denied_preflight_answered_403_without_cors_headers(haproxy, backend):
    r = preflight(haproxy, "/api/pre-denied", origin=OTHER)
    assert r.status == 403
    assert r.cors() == [["vary", PREFLIGHT_VARY]]
    assert r.get("X-Cors") == "preflight denied origin_not_allowed"
    r = preflight(haproxy, "/api/pre-header", headers="x-not-listed")
    assert r.status == 403
    assert r.get("X-Cors") == "preflight denied header_not_allowed"
    for path in ("/api/pre-denied", "/api/pre-header"):
        assert not backend_saw(backend, "OPTIONS", path)


def test_options_without_acrm_reaches_the_backend(haproxy, backend):
    r = haproxy.request("OPTIONS", "/api/plain-options", [("Origin", APP)])
    assert r.status == 200 and r.body == b"backend\n"
    assert r.get("X-Cors") == "actual allowed ok"
    assert backend_saw(backend, "OPTIONS", "/api/plain-options")


def test_actual_request_backend_cors_headers_replaced(haproxy):
    r = haproxy.request("GET", "/api/x", [("Origin", APP)])
    assert r.status == 200 and r.body == b"backend\n"
    # the backend's own "*", "true" and "x-secret" are gone; Vary appended
    assert r.cors() == [
        ["vary", "Accept-Encoding"],
        ["access-control-allow-origin", APP],
        ["access-control-allow-credentials", "true"],
        ["access-control-expose-headers", "x-request-id"],
        ["vary", "Origin"],
    ]


def test_denied_actual_request_gets_no_backend_cors_headers(haproxy):
    r = haproxy.request("GET", "/api/x?novary", [("Origin", OTHER)])
    assert r.status == 200
    assert r.cors() == [["vary", "Origin"]]
    assert r.get("X-Cors") == "actual denied origin_not_allowed"


def test_not_cors_gets_vary_only(haproxy):
    r = haproxy.request("GET", "/api/x?novary")
    assert r.status == 200 and r.cors() == [["vary", "Origin"]]
    assert r.get("X-Cors") == "not_cors not_cors no_origin"


def test_repeated_origin_is_invalid(haproxy):
    r = haproxy.request("GET", "/api/x?novary", [("Origin", APP), ("Origin", APP)])
    assert r.cors() == [["vary", "Origin"]]
    assert r.get("X-Cors") == "actual denied invalid_origin"


@pytest.mark.parametrize(
    "path, status",
    [("/return/x", 200), ("/deny/x", 403), ("/down/x", 503)],
)
def test_haproxy_own_responses_carry_the_headers(haproxy, path, status):
    r = haproxy.request("GET", path, [("Origin", APP)])
    assert r.status == status
    assert r.cors() == [
        ["access-control-allow-origin", APP],
        ["access-control-allow-credentials", "true"],
        ["access-control-expose-headers", "x-request-id"],
        ["vary", "Origin"],
    ]


def test_preflight_on_a_route_with_no_server_is_still_answered(haproxy):
    r = preflight(haproxy, "/down/x")
    assert r.status == 204
    assert r.get("access-control-allow-origin") == APP


def test_backend_policy_applies_to_its_routes(haproxy, backend):
    r = haproxy.request("GET", "/admin/x?novary", [("Origin", ADMIN)])
    assert r.cors() == [
        ["access-control-allow-origin", ADMIN],
        ["access-control-allow-credentials", "true"],
        ["vary", "Origin"],
    ]
    # the frontend's policy does not admit this origin; the backend's does
    r = haproxy.request("GET", "/api/x?novary", [("Origin", ADMIN)])
    assert r.get("access-control-allow-origin") is None
    r = preflight(haproxy, "/admin/pre", origin=ADMIN, method="DELETE", headers=None)
    assert r.status == 204
    assert r.get("access-control-allow-methods") == "DELETE"
    assert not backend_saw(backend, "OPTIONS", "/admin/pre")


def test_backend_rule_after_frontend_rule_decides_alone(haproxy):
    # the frontend's policy admits APP, the backend's does not: the
    # backend's decision must not keep the frontend's headers
    r = haproxy.request("GET", "/both/x?novary", [("Origin", APP)])
    assert r.cors() == [["vary", "Origin"]]
    assert r.get("X-Cors") == "actual denied origin_not_allowed"
    r = haproxy.request("GET", "/both/x?novary", [("Origin", ADMIN)])
    assert r.get("access-control-allow-origin") == ADMIN


def test_routes_without_a_policy_are_left_alone(haproxy):
    r = haproxy.request("GET", "/plain/x", [("Origin", APP)])
    assert r.cors() == [
        ["access-control-allow-origin", "*"],
        ["access-control-allow-credentials", "true"],
        ["access-control-expose-headers", "x-secret"],
        ["vary", "Accept-Encoding"],
    ]
    assert r.get("X-Cors") == ""  # three empty variables


def test_forwarded_denied_preflight_reaches_the_backend(haproxy, backend):
    r = preflight(haproxy, "/forward/denied", origin=OTHER)
    assert r.status == 200 and r.body == b"backend\n"
    assert r.cors() == [["vary", "Accept-Encoding"], ["vary", PREFLIGHT_VARY]]
    assert r.get("X-Cors") == "preflight denied origin_not_allowed"
    assert backend_saw(backend, "OPTIONS", "/forward/denied")
    # an allowed one is still answered by HAProxy
    r = preflight(haproxy, "/forward/allowed", method="POST", headers=None)
    assert r.status == 204 and r.get("X-Cors") == "preflight allowed ok"
    assert not backend_saw(backend, "OPTIONS", "/forward/allowed")


def test_report_only_changes_nothing(haproxy, backend):
    r = haproxy.request("GET", "/report/x", [("Origin", OTHER)])
    # the backend's own (wrong) headers pass through untouched
    assert r.cors() == [
        ["access-control-allow-origin", "*"],
        ["access-control-allow-credentials", "true"],
        ["access-control-expose-headers", "x-secret"],
        ["vary", "Accept-Encoding"],
    ]
    assert r.get("X-Cors") == "actual denied origin_not_allowed"
    r = preflight(haproxy, "/report/pre", origin=OTHER)
    assert r.status == 200 and r.body == b"backend\n"
    assert r.get("X-Cors") == "preflight denied origin_not_allowed"
    assert backend_saw(backend, "OPTIONS", "/report/pre")


def test_unknown_policy_name_fails_closed(haproxy, backend):
    r = haproxy.request("GET", "/typo/x", [("Origin", APP)])
    assert r.status == 500
    assert r.get("access-control-allow-origin") is None
    assert not backend_saw(backend, "GET", "/typo/x")
    assert "unknown policy nosuchpolicy" in haproxy.output()


def test_backend_decision_replaces_an_unanswered_frontend_preflight(backend):
    """A frontend lua.corsgate rule with no return rules after it leaves an
    answered preflight's status and headers in variables; the backend's
    rule must replace them, here with a forwarded denial, not answer with
    the frontend's decision."""
    directory = Dir()
    paths = {n: directory.file(f"{n}.toml", POLICIES[n]) for n in ("api", "forward")}
    config = global_section(paths) + f"""
frontend fe
    bind 127.0.0.1:@PORT@
    http-request lua.corsgate api
{RESPONSE_RULES}{DECISION_RULE}
    default_backend app

backend app
    http-request lua.corsgate forward{PREFLIGHT_RULES}
    server s1 127.0.0.1:{backend.port}
"""
    with Haproxy(config, directory=directory) as h:
        r = preflight(h, "/stale/forwarded")
        assert r.status == 200 and r.body == b"backend\n"
        assert r.get("X-Cors") == "preflight denied method_not_allowed"
        assert backend_saw(backend, "OPTIONS", "/stale/forwarded")
        assert ["access-control-allow-origin", APP] not in r.cors()
