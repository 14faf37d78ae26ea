"""A master-worker reload (SIGUSR2 to the master, as `systemctl reload
haproxy` does) with a changed policy file while requests keep flowing:
every reload brings the new policy in, no request fails, and the old
workers go away."""

import os
import threading
import time

from harness import CORS_RULES, Dir, Haproxy, global_section

RELOADS = 8
STABLE = "https://site7.example.com"


def policy(generation):
    origins = [f"https://site{i}.example.com" for i in range(999)]
    origins.append(f"https://gen{generation}.example.com")
    return "origins = [" + ", ".join(f'"{o}"' for o in origins) + "]\n"


def workers(master):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master and fields[0] != "Z":
            kids.append(int(entry))
    return kids


class Traffic(threading.Thread):
    """Requests in a loop until stopped; each must be a 200 that admits the
    origin every generation of the policy lists."""

    def __init__(self, haproxy):
        super().__init__(daemon=True)
        self.haproxy = haproxy
        self.stop_flag = threading.Event()
        self.count = 0
        self.failures = []

    def run(self):
        deadline = time.monotonic() + 120
        while not self.stop_flag.is_set() and time.monotonic() < deadline:
            try:
                r = self.haproxy.request("GET", "/", [("Origin", STABLE)])
                if r.status != 200 or r.all("access-control-allow-origin") != [STABLE]:
                    self.failures.append((r.status, r.headers))
            except OSError as e:
                self.failures.append(repr(e))
            self.count += 1


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
        traffic = Traffic(h)
        traffic.start()
        try:
            for gen in range(1, RELOADS + 1):
                d.file("policy.toml", policy(gen))
                h.reload()
                fresh = f"https://gen{gen}.example.com"
                deadline = time.monotonic() + 20
                while True:
                    r = h.request("GET", "/", [("Origin", fresh)])
                    if r.get("access-control-allow-origin") == fresh:
                        break
                    assert (
                        time.monotonic() < deadline
                    ), f"reload {gen} did not take effect"
                    time.sleep(0.02)
                while len(workers(master)) != 1:
                    assert time.monotonic() < deadline, "old worker did not exit"
                    time.sleep(0.02)
                # with the old worker gone, the old policy is gone too
                old = h.request(
                    "GET", "/", [("Origin", f"https://gen{gen - 1}.example.com")]
                )
                assert old.get("access-control-allow-origin") is None
        finally:
            traffic.stop_flag.set()
            traffic.join(timeout=30)
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
