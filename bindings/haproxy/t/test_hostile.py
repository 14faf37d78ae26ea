"""Hostile requests answered without a crash and with the engine's
decision: 64 KiB of headers, thousands of request-header names, many
Access-Control-Request-Headers lines, repeated Origin and ACRM fields, an
over-long Origin, bytes outside ASCII (with HAProxy's own limits raised
so that these requests reach the module). After all of them the same haproxy
still answers a normal preflight. (How fast they are answered is measured
by the benchmark, never asserted here.)"""

import pytest

from harness import CORS_RULES, DECISION_RULE, Dir, Haproxy, global_section

APP = "https://app.example.com"
POLICY = """origins = ["https://app.example.com"]
methods = ["GET", "PUT"]
request_headers = ["content-type", "x-a"]
credentials = true
"""


@pytest.fixture(scope="module")
def haproxy():
    d = Dir()
    path = d.file("api.toml", POLICY)
    config = (
        # room for the hostile requests: HAProxy itself refuses more than
        # 101 header fields by default (a 400 before any rule runs)
        global_section({"api": path}, extra="    tune.http.maxhdr 8000")
        + f"""
frontend fe
    bind 127.0.0.1:@PORT@
    http-request lua.corsgate api
{CORS_RULES}{DECISION_RULE}
    http-request return status 200 content-type text/plain string ok
"""
    )
    with Haproxy(config, directory=d) as h:
        yield h


def preflight(h, extra=(), acrh=None, origin=APP):
    fields = [("Origin", origin), ("Access-Control-Request-Method", "PUT")]
    if acrh is not None:
        fields.append(("Access-Control-Request-Headers", acrh))
    return h.request("OPTIONS", "/", fields + list(extra))


def test_64_kib_of_other_headers(haproxy):
    filler = [(f"X-Fill-{i}", "f" * 60) for i in range(1000)]  # ~75 KiB
    r = preflight(haproxy, extra=filler, acrh="content-type")
    assert r.status == 204
    assert r.get("X-Cors") == "preflight allowed ok"


def test_thousands_of_acrh_names(haproxy):
    names = ",".join(["content-type"] * 5000)
    r = preflight(haproxy, acrh=names)
    assert r.status == 403
    assert r.get("access-control-allow-headers") is None
    assert r.get("X-Cors") == "preflight denied header_not_allowed"


def test_many_acrh_lines(haproxy):
    lines = [("Access-Control-Request-Headers", "x-a")] * 2000
    r = preflight(haproxy, extra=lines)
    assert r.status == 403
    assert r.get("X-Cors") == "preflight denied header_not_allowed"
    # four lines are one list and allowed (the engine echoes each line)
    r = preflight(haproxy, extra=[("Access-Control-Request-Headers", "x-a")] * 4)
    assert r.status == 204
    assert r.all("access-control-allow-headers") == ["x-a"] * 4


def test_repeated_origin_and_acrm(haproxy):
    r = haproxy.request("GET", "/", [("Origin", APP)] * 500)
    assert r.get("X-Cors") == "actual denied invalid_origin"
    assert r.get("access-control-allow-origin") is None
    r = preflight(haproxy, extra=[("Access-Control-Request-Method", "GET")])
    assert r.status == 403
    assert r.get("access-control-allow-origin") is None


def test_over_long_and_non_ascii_origins(haproxy):
    r = haproxy.request("GET", "/", [("Origin", "https://" + "a" * 60000 + ".com")])
    assert r.get("X-Cors") == "actual denied invalid_origin"
    r = haproxy.request("GET", "/", [("Origin", "https://bücher.example")])
    assert r.get("X-Cors") == "actual denied invalid_origin"
    r = haproxy.request("GET", "/", [("Origin", b"https://app.example.com\xff")])
    assert r.get("X-Cors") == "actual denied invalid_origin"


def test_still_answers_afterwards(haproxy):
    r = preflight(haproxy, acrh="content-type")
    assert r.status == 204
    assert r.get("access-control-allow-origin") == APP
    assert "Lua" not in haproxy.output(), haproxy.output()
