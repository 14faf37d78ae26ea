"""`nbthread 4` with both load modes: `lua-load` (one Lua state shared
under HAProxy's Lua lock) and `lua-load-per-thread` (one state, and so one
compiled copy of each policy, per thread). Concurrent clients each send a
mix of allowed, denied and preflight requests; every answer must be the
engine's."""

import threading

import pytest

from harness import CORS_RULES, DECISION_RULE, Dir, Haproxy, global_section

APP = "https://app.example.com"
POLICY = """origins = ["https://app.example.com", "https://*.example.org"]
methods = ["GET", "PUT"]
request_headers = ["content-type"]
credentials = true
"""
CLIENTS = 8
ROUNDS = 60


def client(h, index, failures):
    for i in range(ROUNDS):
        sub = f"https://c{index}r{i}.example.org"
        try:
            r = h.request("GET", "/", [("Origin", sub)])
            if r.get("access-control-allow-origin") != sub:
                failures.append(("allowed", sub, r.status, r.headers))
            r = h.request("GET", "/", [("Origin", f"https://c{index}.example.net")])
            if r.get("access-control-allow-origin") is not None:
                failures.append(("denied", r.status, r.headers))
            r = h.request(
                "OPTIONS",
                "/",
                [("Origin", APP), ("Access-Control-Request-Method", "PUT")],
            )
            if r.status != 204 or r.get("access-control-allow-methods") != "PUT":
                failures.append(("preflight", r.status, r.headers))
        except OSError as e:
            failures.append(repr(e))


@pytest.mark.parametrize("per_thread", [False, True], ids=["lua-load", "per-thread"])
def test_concurrent_clients(per_thread):
    d = Dir()
    path = d.file("api.toml", POLICY)
    config = global_section({"api": path}, per_thread=per_thread, nbthread=4) + f"""
frontend fe
    bind 127.0.0.1:@PORT@
    http-request lua.corsgate api
{CORS_RULES}{DECISION_RULE}
    http-request return status 200 content-type text/plain string ok
"""
    with Haproxy(config, directory=d) as h:
        failures = []
        threads = [
            threading.Thread(target=client, args=(h, i, failures))
            for i in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not failures, failures[:5]
        # each thread's Lua state compiled the policy (per-thread) or one
        # state did: the load message says so once per state
        loads = h.output().count("policies api loaded")
        assert loads == (4 if per_thread else 1), h.output()
