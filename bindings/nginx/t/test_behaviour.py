"""The module inside a real nginx: inheritance, the preflight answer
(before return, auth_basic and proxy_pass), headers on every response
(error pages included), upstream CORS headers and Vary, report-only mode
and the log variables."""

import http.server
import os

import pytest

from corsgate_testlib import LocalServer, PermissiveUpstream
from harness import Nginx, Prefix

APP = "https://app.example.com"
OTHER = "https://other.example.net"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


@pytest.fixture(scope="module")
def upstream():
    """PermissiveUpstream: CORS answered permissively and wrongly,
    ?vary=origin, ?novary and ?fill=N."""
    with LocalServer(PermissiveUpstream, http.server.ThreadingHTTPServer) as server:
        yield server.port


@pytest.fixture(scope="module")
def nginx(upstream):
    prefix = Prefix()
    # user "u", password "p"
    prefix.file("htpasswd", "u:{PLAIN}p\n")
    prefix.file("html/index.html", "static\n")
    server_policy = prefix.file(
        "server.toml",
        f"""
origins = ["{APP}"]
methods = ["PUT", "DELETE"]
request_headers = ["content-type", "authorization"]
credentials = true
max_age = 600
""",
    )
    body = f"""
    log_format cors "$request_uri $cors_kind $cors_decision $cors_reason";

    server {{
        listen 127.0.0.1:@PORT@;
        root @PREFIX@/html;
        access_log @PREFIX@/logs/cors.log cors;

        cors_policy {server_policy};

        location = / {{ }}
        location /return/ {{ return 200 "returned\\n"; }}
        location /fail/ {{ return 500; }}
        location /auth/ {{
            auth_basic "private";
            auth_basic_user_file @PREFIX@/htpasswd;
            alias @PREFIX@/html/;
        }}
        location /proxy/ {{ proxy_pass http://127.0.0.1:{upstream}; }}

        # a location's own policy replaces the server's entirely: no
        # credentials, no PUT, another origin
        location /inline/ {{
            cors_allow_origins {OTHER};
            cors_allow_methods PATCH;
            cors_preflight_status 200;
            return 200 "inline\\n";
        }}
        location /off/ {{
            cors off;
            return 200 "off\\n";
        }}
        location /report/ {{
            cors_allow_origins {OTHER};
            cors_mode report-only;
            proxy_pass http://127.0.0.1:{upstream};
        }}
        location /forward/ {{
            cors_allow_origins {APP};
            cors_allow_methods PUT;
            cors_denied_preflight forward;
            return 200 "forwarded\\n";
        }}
        location /nested/ {{
            location /nested/inner/ {{ return 200 "inner\\n"; }}
            location /nested/off/ {{ cors off; return 200 "inner off\\n"; }}
        }}
    }}

    # a server without a policy of its own inherits nothing: no CORS
    server {{
        listen 127.0.0.1:@PORT@;
        server_name plain.local;
        location / {{ return 200 "plain\\n"; }}
    }}
"""
    with Nginx(body, prefix=prefix) as n:
        yield n


def preflight(nginx, path, origin=APP, method="PUT", headers=None, extra=()):
    h = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if headers:
        h.append(("Access-Control-Request-Headers", headers))
    return nginx.request("OPTIONS", path, h + list(extra))


def test_static_file_actual_request(nginx):
    r = nginx.request("GET", "/", [("Origin", APP)])
    assert r.status == 200 and r.body == b"static\n"
    assert r.cors() == [
        ["Access-Control-Allow-Origin", APP],
        ["Access-Control-Allow-Credentials", "true"],
        ["Vary", "Origin"],
    ]


def test_not_cors_gets_vary_only(nginx):
    r = nginx.request("GET", "/")
    assert r.status == 200 and r.cors() == [["Vary", "Origin"]]


def test_preflight_answered_before_return(nginx):
    r = preflight(nginx, "/return/", headers="content-type")
    assert r.status == 204 and r.body == b""
    assert r.cors() == [
        ["Access-Control-Allow-Origin", APP],
        ["Access-Control-Allow-Credentials", "true"],
        ["Access-Control-Allow-Methods", "PUT"],
        ["Access-Control-Allow-Headers", "content-type"],
        ["Access-Control-Max-Age", "600"],
        ["Vary", PREFLIGHT_VARY],
    ]


def test_preflight_answered_before_auth_basic(nginx):
    r = preflight(nginx, "/auth/", headers="authorization")
    assert r.status == 204
    assert r.get("Access-Control-Allow-Origin") == APP


def test_auth_basic_401_carries_cors_headers(nginx):
    r = nginx.request("GET", "/auth/", [("Origin", APP)])
    assert r.status == 401
    assert r.get("Access-Control-Allow-Origin") == APP
    assert r.get("Vary") == "Origin"
    ok = nginx.request(
        "GET", "/auth/", [("Origin", APP), ("Authorization", "Basic dTpw")]
    )
    assert ok.status == 200 and ok.body == b"static\n"
    assert ok.get("Access-Control-Allow-Origin") == APP


def test_error_pages_carry_cors_headers(nginx):
    missing = nginx.request("GET", "/missing.html", [("Origin", APP)])
    assert missing.status == 404
    assert missing.get("Access-Control-Allow-Origin") == APP
    failed = nginx.request("GET", "/fail/", [("Origin", APP)])
    assert failed.status == 500
    assert failed.get("Access-Control-Allow-Origin") == APP


def test_denied_preflight_is_a_bare_403(nginx):
    r = preflight(nginx, "/return/", method="PATCH")
    assert r.status == 403 and r.body == b""
    assert r.cors() == [["Vary", PREFLIGHT_VARY]]
    r = preflight(nginx, "/return/", origin="https://evil.example")
    assert r.status == 403 and r.cors() == [["Vary", PREFLIGHT_VARY]]


def test_preflight_with_body_keeps_the_connection_usable(nginx):
    head = (
        b"OPTIONS /return/ HTTP/1.1\r\nHost: t\r\nOrigin: " + APP.encode() + b"\r\n"
        b"Access-Control-Request-Method: PUT\r\nContent-Length: 5\r\n\r\nhello"
        b"GET /return/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    import socket

    with socket.create_connection(("127.0.0.1", nginx.port), timeout=10) as s:
        s.sendall(head)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 204")
    assert data.count(b"HTTP/1.1 ") == 2 and b"returned\n" in data


def test_proxy_pass_upstream_cors_headers_are_replaced(nginx):
    r = nginx.request("GET", "/proxy/x", [("Origin", APP)])
    assert r.status == 200 and r.body == b"upstream\n"
    assert r.cors() == [
        ["Vary", "Accept-Encoding, Origin"],
        ["Access-Control-Allow-Origin", APP],
        ["Access-Control-Allow-Credentials", "true"],
    ]
    # a denied origin gets none of the upstream's grants either
    r = nginx.request("GET", "/proxy/x", [("Origin", "https://evil.example")])
    assert r.cors() == [["Vary", "Accept-Encoding, Origin"]]


def test_upstream_vary_origin_is_not_repeated(nginx):
    r = nginx.request("GET", "/proxy/x?vary=origin", [("Origin", APP)])
    assert r.all("Vary") == ["Origin"]
    assert r.all("Access-Control-Allow-Origin") == [APP]


@pytest.mark.parametrize("fill", range(8, 26))
def test_many_upstream_headers(nginx, fill):
    # nginx keeps response headers in parts of 20; the module writes its own
    # into the last part when they fit and pushes them one by one when they
    # do not: either way each lands once and the upstream's are all kept
    r = nginx.request("GET", f"/proxy/x?novary&fill={fill}", [("Origin", APP)])
    assert r.status == 200 and r.body == b"upstream\n"
    fills = [[n, v] for n, v in r.headers if n.startswith("X-Fill-")]
    assert fills == [[f"X-Fill-{i}", str(i)] for i in range(fill)]
    assert r.cors() == [
        ["Access-Control-Allow-Origin", APP],
        ["Access-Control-Allow-Credentials", "true"],
        ["Vary", "Origin"],
    ]


def test_preflight_answered_before_proxy_pass(nginx):
    r = preflight(nginx, "/proxy/x")
    assert r.status == 204 and r.body == b""
    assert r.all("Access-Control-Allow-Origin") == [APP]


def test_location_policy_replaces_server_policy(nginx):
    r = nginx.request("GET", "/inline/", [("Origin", OTHER)])
    assert r.cors() == [["Access-Control-Allow-Origin", OTHER], ["Vary", "Origin"]]
    # the server's origin is not inherited into the location's policy
    r = nginx.request("GET", "/inline/", [("Origin", APP)])
    assert r.cors() == [["Vary", "Origin"]]
    # nor are its methods: PUT is refused, PATCH allowed with status 200
    assert preflight(nginx, "/inline/", origin=OTHER).status == 403
    r = preflight(nginx, "/inline/", origin=OTHER, method="PATCH")
    assert r.status == 200 and r.get("Access-Control-Allow-Methods") == "PATCH"


def test_cors_off(nginx):
    r = nginx.request("GET", "/off/", [("Origin", APP)])
    assert r.status == 200 and r.cors() == []
    r = preflight(nginx, "/off/")
    assert r.status == 200 and r.body == b"off\n" and r.cors() == []


def test_nested_locations_inherit(nginx):
    r = nginx.request("GET", "/nested/inner/", [("Origin", APP)])
    assert r.get("Access-Control-Allow-Origin") == APP
    r = nginx.request("GET", "/nested/off/", [("Origin", APP)])
    assert r.cors() == []


def test_other_server_has_no_cors(nginx):
    r = nginx.request(
        "GET", "/", [("Origin", APP), ("Host", "plain.local")], host=False
    )
    assert r.body == b"plain\n" and r.cors() == []


def test_denied_preflight_forwarded_to_the_application(nginx):
    r = preflight(nginx, "/forward/", method="PATCH")
    assert r.status == 200 and r.body == b"forwarded\n"
    assert r.cors() == [["Vary", PREFLIGHT_VARY]]
    assert preflight(nginx, "/forward/").status == 204


def test_report_only_changes_nothing_but_logs(nginx):
    direct = nginx.request("GET", "/report/x", [("Origin", APP)])
    # the upstream's own (wrong) headers pass through untouched
    assert direct.cors() == [
        ["Access-Control-Allow-Origin", "*"],
        ["Access-Control-Allow-Credentials", "true"],
        ["access-control-expose-headers", "x-secret"],
        ["Vary", "Accept-Encoding"],
    ]
    r = preflight(nginx, "/report/x")
    assert r.status == 200 and r.body == b"upstream\n"
    log = _log(nginx)
    assert "/report/x actual denied origin_not_allowed" in log
    assert "/report/x preflight denied origin_not_allowed" in log


def test_log_variables(nginx):
    nginx.request("GET", "/return/?v=1", [("Origin", APP)])
    nginx.request("GET", "/return/?v=2", [("Origin", "HTTPS://APP.EXAMPLE.COM")])
    nginx.request("GET", "/return/?v=3")
    nginx.request("GET", "/off/?v=4", [("Origin", APP)])
    log = _log(nginx)
    assert "/return/?v=1 actual allowed ok" in log
    assert "/return/?v=2 actual denied invalid_origin" in log
    assert "/return/?v=3 not_cors not_cors no_origin" in log
    assert "/off/?v=4 - - -" in log


def _log(nginx):
    with open(
        os.path.join(nginx.prefix.path, "logs", "cors.log"), encoding="utf-8"
    ) as f:
        return f.read()
