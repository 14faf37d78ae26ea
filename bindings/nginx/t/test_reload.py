"""`nginx -s reload` (SIGHUP to the master) with a changed policy file,
while requests keep flowing: the new policy takes effect, no request fails,
and worker memory does not grow over 50 reloads (each reload builds new
policies and must release the old cycle's)."""

from corsgate_testlib import (
    Traffic,
    await_generation,
    children,
    generation_policy,
)
from harness import Nginx, Prefix

RELOADS = 50
# The policy is large on purpose (1,000 origins): a policy leaked per reload
# would add far more than this over 40 reloads.
MAX_RSS_GROWTH_KIB = 512


def policy(generation):
    return generation_policy(generation, "credentials = true\n")


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def test_reload_under_traffic():
    prefix = Prefix()
    path = prefix.file("policy.toml", policy(0))
    body = f"""
    server {{
        listen 127.0.0.1:@PORT@;
        cors_policy {path};
        location / {{ return 200 "ok\\n"; }}
    }}
"""
    with Nginx(body, master=True, prefix=prefix) as nginx:
        master = nginx.proc.pid
        traffic = Traffic(nginx, "https://site7.example.com", seconds=300)
        traffic.start()
        rss = {}
        try:
            for gen in range(1, RELOADS + 1):
                prefix.file("policy.toml", policy(gen))
                nginx.reload()
                await_generation(nginx, gen, master, seconds=10)
                (worker,) = children(master)
                rss[gen] = (rss_kib(worker), rss_kib(master))
        finally:
            traffic.finish()

        assert not traffic.failures, traffic.failures[:5]
        assert traffic.count > RELOADS
        worker_growth = rss[RELOADS][0] - rss[10][0]
        master_growth = rss[RELOADS][1] - rss[10][1]
        print(
            f"\n{RELOADS} reloads, {traffic.count} requests during them, 0 failed; "
            f"worker RSS {rss[1][0]} KiB after reload 1, {rss[10][0]} after 10, "
            f"{rss[RELOADS][0]} after {RELOADS}; master RSS {rss[1][1]} / {rss[10][1]} / "
            f"{rss[RELOADS][1]} KiB"
        )
        assert worker_growth <= MAX_RSS_GROWTH_KIB, rss
        assert master_growth <= MAX_RSS_GROWTH_KIB, rss
