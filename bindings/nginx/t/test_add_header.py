"""Access-Control-* headers set by `add_header` (at the http, server or
location level, with and without `always`) and by headers-more's
`more_set_headers` never reach the client next to the module's: the
module's header filter runs after nginx's headers filter and after the
third-party header filters ordered before the copy filter, and removes
every Access-Control-* header it did not write.

The configuration is the usual recipe the module replaces, left in place:
it reflects any Origin with credentials. Each response must carry exactly
the module's CORS headers (compared as a multiset, so a duplicate fails)."""

import os

import pytest

from harness import LOAD_MODULE, STATIC, Nginx

APP = "https://app.example.com"
EVIL = "https://evil.example"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

HEADERS_MORE = "/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so"


def recipe(always):
    a = " always" if always else ""
    return f"""
        add_header Access-Control-Allow-Origin $http_origin{a};
        add_header Access-Control-Allow-Credentials true{a};
        add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE, OPTIONS"{a};
        add_header Access-Control-Allow-Headers "*"{a};
        add_header Access-Control-Expose-Headers x-secret{a};
        add_header Vary Origin{a};
"""


def config(level, always):
    at = {lv: recipe(always) if lv == level else "" for lv in ("http", "server", "loc")}
    return f"""
    {at["http"]}
    server {{
        listen 127.0.0.1:@PORT@;
        root @PREFIX@/html;
        {at["server"]}
        cors_allow_origins {APP};
        cors_allow_methods PUT;
        cors_allow_headers content-type;
        cors_allow_credentials on;

        location / {{
            {at["loc"]}
            return 200 "ok\\n";
        }}
        location /missing/ {{
            {at["loc"]}
        }}
    }}
"""


def cors(r):
    """The response's CORS headers and Vary as a sorted multiset."""
    return sorted((n.lower(), v) for n, v in r.cors())


def preflight(nginx, origin, method="PUT"):
    return nginx.request(
        "OPTIONS",
        "/",
        [
            ("Origin", origin),
            ("Access-Control-Request-Method", method),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )


ALLOWED_ACTUAL = sorted(
    [
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("vary", "Origin"),
    ]
)
ALLOWED_PREFLIGHT = sorted(
    [
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "PUT"),
        ("access-control-allow-headers", "content-type"),
        ("vary", PREFLIGHT_VARY),
    ]
)


@pytest.fixture(
    scope="module",
    params=[
        (level, always)
        for level in ("http", "server", "location")
        for always in (False, True)
    ],
    ids=lambda p: f"{p[0]}{'-always' if p[1] else ''}",
)
def nginx(request):
    level, always = request.param
    with Nginx(config("loc" if level == "location" else level, always)) as n:
        yield n


def test_allowed_origin_gets_the_module_headers_once(nginx):
    r = nginx.request("GET", "/", [("Origin", APP)])
    assert r.status == 200 and r.body == b"ok\n"
    assert cors(r) == ALLOWED_ACTUAL, r.headers


def test_denied_origin_gets_no_reflected_grant(nginx):
    r = nginx.request("GET", "/", [("Origin", EVIL)])
    assert r.status == 200
    assert cors(r) == [("vary", "Origin")], r.headers


def test_error_page(nginx):
    # a 404 gets add_header only with "always"; the module's headers either way
    r = nginx.request("GET", "/missing/x", [("Origin", APP)])
    assert r.status == 404
    assert cors(r) == ALLOWED_ACTUAL, r.headers
    r = nginx.request("GET", "/missing/x", [("Origin", EVIL)])
    assert cors(r) == [("vary", "Origin")], r.headers


def test_allowed_preflight(nginx):
    r = preflight(nginx, APP)
    assert r.status == 204 and r.body == b""
    assert cors(r) == ALLOWED_PREFLIGHT, r.headers


def test_denied_preflight(nginx):
    for r in (preflight(nginx, EVIL), preflight(nginx, APP, method="PATCH")):
        assert r.status == 403
        assert cors(r) == [("vary", PREFLIGHT_VARY)], r.headers


@pytest.mark.skipif(
    STATIC or not os.path.exists(HEADERS_MORE),
    reason="needs Debian's libnginx-mod-http-headers-more-filter, which loads "
    "only into Debian's nginx (scripts/ci/nginx.sh installs it)",
)
@pytest.mark.parametrize("headers_more_first", [True, False])
def test_more_set_headers(headers_more_first):
    # either load_module order: both modules place themselves by name
    body = f"""
    more_set_headers "Access-Control-Allow-Origin: $http_origin"
                     "Access-Control-Allow-Credentials: true"
                     "Access-Control-Allow-Methods: PATCH";
    server {{
        listen 127.0.0.1:@PORT@;
        cors_allow_origins {APP};
        cors_allow_methods PUT;
        cors_allow_headers content-type;
        cors_allow_credentials on;
        location / {{
            more_set_headers "Access-Control-Expose-Headers: x-secret";
            return 200 "ok\\n";
        }}
    }}
"""
    load = [f"load_module {HEADERS_MORE};", LOAD_MODULE]
    if not headers_more_first:
        load.reverse()
    with Nginx(body, load_module="\n".join(load)) as n:
        r = n.request("GET", "/", [("Origin", APP)])
        assert r.status == 200 and cors(r) == ALLOWED_ACTUAL, r.headers
        r = n.request("GET", "/", [("Origin", EVIL)])
        assert cors(r) == [("vary", "Origin")], r.headers
        r = preflight(n, APP)
        assert r.status == 204 and cors(r) == ALLOWED_PREFLIGHT, r.headers
        r = preflight(n, EVIL)
        assert r.status == 403 and cors(r) == [("vary", PREFLIGHT_VARY)], r.headers
