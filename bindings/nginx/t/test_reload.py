"""`nginx -s reload` (SIGHUP to the master) with a changed policy file,
while requests keep flowing: the new policy takes effect, no request fails,
and worker memory does not grow over 50 reloads (each reload builds new
policies and must release the old cycle's)."""

import os
import threading
import time

from harness import Nginx, Prefix

RELOADS = 50
# The policy is large on purpose (1,000 origins): a policy leaked per reload
# would add far more than this over 40 reloads.
MAX_RSS_GROWTH_KIB = 512


def policy(generation):
    origins = [f"https://site{i}.example.com" for i in range(999)]
    origins.append(f"https://gen{generation}.example.com")
    return (
        "origins = [" + ", ".join(f'"{o}"' for o in origins) + "]\ncredentials = true\n"
    )


def children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


class Traffic(threading.Thread):
    """Requests in a loop until stopped; every answer must be a 200 whose
    CORS headers are those of one of the policies."""

    def __init__(self, nginx):
        super().__init__(daemon=True)
        self.nginx = nginx
        self.stop_flag = threading.Event()
        self.count = 0
        self.failures = []

    def run(self):
        deadline = time.monotonic() + 300
        while not self.stop_flag.is_set() and time.monotonic() < deadline:
            origin = "https://site7.example.com"
            try:
                r = self.nginx.request("GET", "/", [("Origin", origin)])
                if r.status != 200 or r.all("Access-Control-Allow-Origin") != [origin]:
                    self.failures.append((r.status, r.headers))
            except OSError as e:
                self.failures.append(repr(e))
            self.count += 1


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
        traffic = Traffic(nginx)
        traffic.start()
        rss = {}
        try:
            for gen in range(1, RELOADS + 1):
                prefix.file("policy.toml", policy(gen))
                nginx.reload()
                fresh = f"https://gen{gen}.example.com"
                deadline = time.monotonic() + 10
                while True:
                    r = nginx.request("GET", "/", [("Origin", fresh)])
                    if r.get("Access-Control-Allow-Origin") == fresh:
                        break
                    assert (
                        time.monotonic() < deadline
                    ), f"reload {gen} did not take effect"
                    time.sleep(0.02)
                while len(children(master)) != 1:
                    assert time.monotonic() < deadline, "old worker did not exit"
                    time.sleep(0.02)
                # once the old worker is gone, the old policy is gone too
                old = nginx.request(
                    "GET", "/", [("Origin", f"https://gen{gen - 1}.example.com")]
                )
                assert old.get("Access-Control-Allow-Origin") is None
                (worker,) = children(master)
                rss[gen] = (rss_kib(worker), rss_kib(master))
        finally:
            traffic.stop_flag.set()
            traffic.join(timeout=30)

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
