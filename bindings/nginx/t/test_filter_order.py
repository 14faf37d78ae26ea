"""Responses that nginx's own filters rewrite after the content handler
(304 and 412 from the not_modified filter, 206 and 416 from the range
filter) carry the CORS headers exactly once.

The not_modified filter runs before the module's header filter and the
range header filter after it. Both builds place the module's filter the
same way, just before nginx's headers filter (ngx_module_order for a
dynamic module, the module list edited by "config" for --add-module), and
the suite runs against both (see harness.py), so a change of order in
either shows up here."""

import pytest

from harness import Nginx, Prefix

APP = "https://app.example.com"
BODY = "0123456789abcdef\n"


@pytest.fixture(scope="module")
def nginx():
    prefix = Prefix()
    prefix.file("html/file.txt", BODY)
    body = f"""
    server {{
        listen 127.0.0.1:@PORT@;
        root @PREFIX@/html;
        cors_allow_origins {APP};
        cors_expose_headers content-range;
    }}
"""
    with Nginx(body, prefix=prefix) as n:
        yield n


def validators(nginx):
    r = nginx.request("GET", "/file.txt", [("Origin", APP)])
    assert r.status == 200 and r.body == BODY.encode()
    return r.get("Last-Modified"), r.get("ETag")


def assert_cors_once(r):
    # get() fails when a header appears more than once
    assert r.get("Access-Control-Allow-Origin") == APP, r.headers
    assert r.get("Access-Control-Expose-Headers") == "content-range", r.headers
    assert r.all("Vary") == ["Origin"], r.headers


@pytest.mark.parametrize(
    "condition, status",
    [
        ("If-Modified-Since", 304),
        ("If-None-Match", 304),
        ("If-Unmodified-Since", 412),
        ("If-Match", 412),
    ],
)
def test_conditional_responses(nginx, condition, status):
    last_modified, etag = validators(nginx)
    value = {
        "If-Modified-Since": last_modified,
        "If-None-Match": etag,
        # a date before the file's: the precondition fails
        "If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:01 GMT",
        "If-Match": '"not-the-etag"',
    }[condition]
    r = nginx.request("GET", "/file.txt", [("Origin", APP), (condition, value)])
    assert r.status == status
    assert_cors_once(r)


def test_partial_content(nginx):
    r = nginx.request("GET", "/file.txt", [("Origin", APP), ("Range", "bytes=0-3")])
    assert r.status == 206 and r.body == b"0123"
    assert r.get("Content-Range") == f"bytes 0-3/{len(BODY)}"
    assert_cors_once(r)


def test_range_not_satisfiable(nginx):
    r = nginx.request(
        "GET", "/file.txt", [("Origin", APP), ("Range", "bytes=1000-2000")]
    )
    assert r.status == 416
    assert_cors_once(r)


def test_denied_origin_gets_nothing_on_304(nginx):
    last_modified, _ = validators(nginx)
    r = nginx.request(
        "GET",
        "/file.txt",
        [("Origin", "https://evil.example"), ("If-Modified-Since", last_modified)],
    )
    assert r.status == 304
    assert r.get("Access-Control-Allow-Origin") is None
    assert r.all("Vary") == ["Origin"], r.headers
