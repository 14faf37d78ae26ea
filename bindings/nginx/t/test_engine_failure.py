"""An engine call that fails (a panic caught by the library's boundary)
fails closed for CORS only: the response goes out otherwise intact with no
Access-Control-* header (nobody's), a preflight is left to the location,
the worker logs the reason once, and $cors_decision/$cors_reason say
"error engine_error".

The failure is real: the test-only build from build-test-panic.sh calls
corsgate_test_panic() instead of the evaluation for requests from
https://engine-panic.test, which panics inside the library's panic boundary
and comes back as CORSGATE_RESULT_PANIC, as a panic in the evaluation
would. That build is a dynamic module for the installed nginx, so this test
runs against that nginx whichever build the rest of the suite tests."""

import os
import shutil

import pytest

from harness import REPO, Nginx

PANIC_MODULE = os.environ.get(
    "NGX_CORS_TEST_PANIC_MODULE",
    os.path.join(REPO, "target", "nginx", "test-panic", "ngx_http_cors_module.so"),
)
INSTALLED_NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

APP = "https://app.example.com"
PANIC = "https://engine-panic.test"


@pytest.fixture(scope="module")
def nginx():
    assert os.path.exists(
        PANIC_MODULE
    ), f"{PANIC_MODULE} is missing: run bindings/nginx/build-test-panic.sh"
    body = f"""
    log_format cors "$request_uri $cors_decision $cors_reason $cors_kind";

    server {{
        listen 127.0.0.1:@PORT@;
        access_log @PREFIX@/logs/cors.log cors;
        cors_allow_origins {APP} {PANIC};
        cors_allow_credentials on;
        cors_allow_methods PUT;

        # somebody else's CORS header, which must not survive either
        add_header Access-Control-Allow-Origin "*" always;
        add_header X-App kept always;

        location / {{ return 200 "ok\\n"; }}
    }}
"""
    with Nginx(
        body, load_module=f"load_module {PANIC_MODULE};", binary=INSTALLED_NGINX
    ) as n:
        yield n


def test_response_intact_without_cors_headers(nginx):
    for i in range(3):
        r = nginx.request("GET", f"/?actual={i}", [("Origin", PANIC)])
        assert r.status == 200 and r.body == b"ok\n"
        assert r.get("X-App") == "kept"
        assert r.cors() == [], r.headers


def test_preflight_left_to_the_location(nginx):
    r = nginx.request(
        "OPTIONS",
        "/?preflight",
        [("Origin", PANIC), ("Access-Control-Request-Method", "PUT")],
    )
    assert r.status == 200 and r.body == b"ok\n"
    assert r.cors() == [], r.headers


def test_other_requests_unaffected(nginx):
    r = nginx.request("GET", "/?fine", [("Origin", APP)])
    assert r.status == 200 and r.body == b"ok\n"
    assert r.cors() == [
        ["Access-Control-Allow-Origin", APP],
        ["Access-Control-Allow-Credentials", "true"],
        ["Vary", "Origin"],
    ]


def test_logged_once_and_in_the_variables(nginx):
    nginx.request("GET", "/?logged", [("Origin", PANIC)])
    nginx.request("GET", "/?after", [("Origin", APP)])
    failures = [
        line
        for line in nginx.error_log().splitlines()
        if "corsgate_evaluate_view() failed" in line
    ]
    assert len(failures) == 1, failures
    assert "[alert]" in failures[0] and "(panic, 7)" in failures[0], failures
    with open(
        os.path.join(nginx.prefix.path, "logs", "cors.log"), encoding="utf-8"
    ) as f:
        log = f.read()
    assert "/?logged error engine_error -" in log, log
    assert "/?after allowed ok actual" in log, log
