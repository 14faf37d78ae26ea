"""A master-worker reload (SIGUSR2 to the master, as `systemctl reload
haproxy` does) with a changed policy file while requests keep flowing:
every reload brings the new policy in, no request fails, and the old
workers go away."""

import time

from corsgate_testlib import Traffic, await_generation, generation_policy
from harness import CORS_RULES, Dir, Haproxy, global_section

RELOADS = 8
STABLE = "https://site7.example.com"


def policy(generation):
    return generation_policy(generation)


def test_reload_with_changed_policy_under_traffic():
    d = Dir()
    path = d.file("policy.toml", policy(0))
    config = (
        global_section({"api": path}, nbthread=2, extra="    stats timeout 5s") + f"""
frontend fe
    bind 127.0.0.1:@PORT@
    http-request lua.corsgate api
{CORS_RULES}
    http-request return status 200 content-type text/plain string ok
"""
    )
    with Haproxy(config, directory=d, master_worker=True) as h:
        master = h.proc.pid
        traffic = Traffic(h, STABLE, seconds=120)
        traffic.start()
        try:
            for gen in range(1, RELOADS + 1):
                d.file("policy.toml", policy(gen))
                h.reload()
                await_generation(h, gen, master, seconds=20, live_only=True)
        finally:
            traffic.finish()
        assert not traffic.failures, traffic.failures[:5]
        assert traffic.count > RELOADS
        print(f"\n{RELOADS} reloads, {traffic.count} requests during them, 0 failed")


def test_reload_with_a_refused_policy_keeps_the_old_one():
    d = Dir()
    path = d.file("policy.toml", policy(0))
    config = global_section({"api": path}) + f"""
frontend fe
    bind 127.0.0.1:@PORT@
    http-request lua.corsgate api
{CORS_RULES}
    http-request return status 200 content-type text/plain string ok
"""
    with Haproxy(config, directory=d, master_worker=True) as h:
        d.file("policy.toml", 'origins = ["http://*"]\ncredentials = true\n')
        h.reload()
        deadline = time.monotonic() + 20
        while "Lua runtime error: corsgate:" not in h.output():
            assert time.monotonic() < deadline, h.output()
            time.sleep(0.05)
        r = h.request("GET", "/", [("Origin", "https://gen0.example.com")])
        assert r.get("access-control-allow-origin") == "https://gen0.example.com"
