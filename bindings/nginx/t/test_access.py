"""Where preflights are answered among nginx's access controls: after
limit_conn, limit_req and allow/deny, before auth_basic and auth_request
(a browser sends no credentials with a preflight), and before the
location's return (the locations here serve files: a "return" would answer
every other request before the access phase). A preflight refused by an
access control gets that control's status and no allow headers, only Vary."""

import socket
import time

import pytest

from harness import Nginx, Prefix

APP = "https://app.example.com"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
ALLOWED = [
    ["Access-Control-Allow-Origin", APP],
    ["Access-Control-Allow-Methods", "PUT"],
    ["Vary", PREFLIGHT_VARY],
]
REFUSED = [["Vary", PREFLIGHT_VARY]]


@pytest.fixture(scope="module")
def nginx():
    prefix = Prefix()
    # user "u", password "p"
    prefix.file("htpasswd", "u:{PLAIN}p\n")
    prefix.file("html/index.html", "static\n")
    # large enough that limit_rate keeps the response going for seconds
    prefix.file("html/big/file.bin", "x" * 64 * 1024)
    body = """
    limit_req_zone $binary_remote_addr zone=req:1m rate=1r/m;
    limit_conn_zone $binary_remote_addr zone=conn:1m;
    limit_req_status 429;
    limit_conn_status 429;

    server {
        listen 127.0.0.1:@PORT@;
        root @PREFIX@/html;
        cors_allow_origins https://app.example.com;
        cors_allow_methods PUT;

        location /denied/ { deny 127.0.0.1; alias @PREFIX@/html/; }
        location /allowed/ {
            allow 127.0.0.1;
            deny all;
            auth_basic "private";
            auth_basic_user_file @PREFIX@/htpasswd;
            alias @PREFIX@/html/;
        }
        location /any-allowed/ {
            satisfy any;
            allow 127.0.0.1;
            deny all;
            auth_basic "private";
            auth_basic_user_file @PREFIX@/htpasswd;
            alias @PREFIX@/html/;
        }
        location /any-denied/ {
            satisfy any;
            deny 127.0.0.1;
            auth_basic "private";
            auth_basic_user_file @PREFIX@/htpasswd;
            alias @PREFIX@/html/;
        }
        location /auth-request/ {
            auth_request /check;
            alias @PREFIX@/html/;
        }
        location = /check { return 401; }
        location /rate/ { limit_req zone=req; alias @PREFIX@/html/; }
        # error pages in a named location keep the request's method
        location /denied-named/ { deny 127.0.0.1; error_page 403 @refused; }
        location /denied-named-eq/ { deny 127.0.0.1; error_page 403 = @refused; }
        location @refused { return 200 "refused\\n"; }
        location /big/ { limit_conn conn 1; limit_rate 1k; }
    }
"""
    with Nginx(body, prefix=prefix) as n:
        yield n


def preflight(nginx, path):
    return nginx.request(
        "OPTIONS", path, [("Origin", APP), ("Access-Control-Request-Method", "PUT")]
    )


def test_deny_refuses_preflights(nginx):
    r = preflight(nginx, "/denied/")
    assert r.status == 403
    assert r.cors() == REFUSED, r.headers


@pytest.mark.parametrize(
    "path, status", [("/denied-named/", 403), ("/denied-named-eq/", 200)]
)
def test_denied_preflight_not_answered_by_a_named_error_page(nginx, path, status):
    # the named location has no "deny" of its own: answering the preflight
    # there would undo the refusal
    r = preflight(nginx, path)
    assert r.status == status and r.body == b"refused\n"
    assert r.cors() == REFUSED, r.headers


def test_allow_then_preflight_before_auth_basic(nginx):
    r = preflight(nginx, "/allowed/")
    assert r.status == 204 and r.cors() == ALLOWED, r.headers
    assert nginx.request("GET", "/allowed/", [("Origin", APP)]).status == 401


@pytest.mark.parametrize(
    "path, status", [("/any-allowed/", 200), ("/any-denied/", 401)]
)
def test_satisfy_any(nginx, path, status):
    # the IP rules alone refuse nothing with "satisfy any"; credentials,
    # which a preflight never has, would do: the preflight is answered
    r = preflight(nginx, path)
    assert r.status == 204 and r.cors() == ALLOWED, r.headers
    assert nginx.request("GET", path, [("Origin", APP)]).status == status


def test_preflight_before_auth_request(nginx):
    r = preflight(nginx, "/auth-request/")
    assert r.status == 204 and r.cors() == ALLOWED, r.headers
    assert nginx.request("GET", "/auth-request/", [("Origin", APP)]).status == 401


def test_limit_req_throttles_preflights(nginx):
    # one request a minute, no burst: the second is refused
    first = preflight(nginx, "/rate/")
    second = preflight(nginx, "/rate/")
    assert first.status == 204 and first.cors() == ALLOWED, first.headers
    assert second.status == 429
    assert second.cors() == REFUSED, second.headers


def test_limit_conn_counts_preflights(nginx):
    # a slow download holds the client's only connection slot
    with socket.create_connection(("127.0.0.1", nginx.port), timeout=10) as s:
        s.sendall(b"GET /big/file.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        assert s.recv(12).startswith(b"HTTP/1.1 200")
        r = preflight(nginx, "/big/file.bin")
        assert r.status == 429
        assert r.cors() == REFUSED, r.headers
    # the slot is released once nginx notices the closed connection
    deadline = time.monotonic() + 10
    while preflight(nginx, "/big/file.bin").status != 204:
        assert time.monotonic() < deadline, "limit_conn slot never released"
        time.sleep(0.2)
