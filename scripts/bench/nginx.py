#!/usr/bin/env python3
"""CORS in nginx, three ways, on loopback:

  A  nginx without CORS;
  B  the usual recipe: `map $http_origin` over 1,000 origins plus one regex,
     `add_header ... always`, and `if ($request_method = OPTIONS)`;
  C  nginx with ngx_http_cors_module and the same policy.

Primary figure: user-space instructions per request, measured with
`valgrind --tool=cachegrind` on a single-process nginx, as the difference
between two runs with different request counts (start-up and shutdown
cancel out). Secondary: wrk requests/s and p99 latency.

    scripts/bench/nginx.py [--quick] [--no-wrk]

Needs nginx, valgrind, wrk and a built module (bindings/nginx/build.sh).
Prints a Markdown report on stdout.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "hosts"))

from corsgate_testlib import (  # noqa: E402 (found through the path above)
    bench_policy,
    count_instructions,
    chrome_requests,
    free_port,
    send_kind,
    start_bench_server,
    stop_process,
    wrk_p99_ms,
    wrk_rps,
)
from corsgate_testlib import wrk as run_wrk  # noqa: E402

MODULE = os.environ.get(
    "NGX_CORS_MODULE", os.path.join(REPO, "target", "nginx", "ngx_http_cors_module.so")
)
NGINX = os.environ.get("NGINX_BIN") or shutil.which("nginx") or "/usr/sbin/nginx"

ORIGINS = [f"https://app{i}.example.com" for i in range(1000)]
ALLOWED = ORIGINS[777]
WILDCARD = "https://*.example.org"
WILDCARD_RE = r"~^https://[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.org$"

REQUESTS = chrome_requests(ALLOWED)
ALLOW_HEADERS = "authorization, content-type, x-request-id"


def policy_toml():
    return bench_policy(ORIGINS + [WILDCARD])


def server_a():
    return 'location / { return 200 "ok\\n"; }'


def http_b():
    entries = "\n".join(f'        "{o}" $http_origin;' for o in ORIGINS)
    # Tuned as the research note tuned it: without the hash sizes nginx
    # warns that it cannot build an optimal hash; pcre_jit for the regex.
    return f"""
    map_hash_max_size 4096;
    map_hash_bucket_size 128;
    map $http_origin $cors_origin {{
        default "";
{entries}
        "{WILDCARD_RE}" $http_origin;
    }}
    map $cors_origin $cors_credentials {{
        "" "";
        default "true";
    }}
"""


def server_b():
    return """location / {
            if ($request_method = OPTIONS) {
                add_header Access-Control-Allow-Origin $cors_origin always;
                add_header Access-Control-Allow-Credentials $cors_credentials always;
                add_header Access-Control-Allow-Methods "PUT, DELETE" always;
                add_header Access-Control-Allow-Headers "{ALLOW_HEADERS}" always;
                add_header Access-Control-Max-Age 600 always;
                add_header Vary "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" always;
                return 204;
            }
            add_header Access-Control-Allow-Origin $cors_origin always;
            add_header Access-Control-Allow-Credentials $cors_credentials always;
            add_header Access-Control-Expose-Headers x-request-id always;
            add_header Vary Origin always;
            return 200 "ok\\n";
        }""".replace("{ALLOW_HEADERS}", ALLOW_HEADERS)


def server_c(policy_path):
    return f"""cors_policy {policy_path};
        location / {{ return 200 "ok\\n"; }}"""


class Server:
    def __init__(self, variant, port, tmp, wrapper=()):
        self.dir = os.path.join(tmp, f"{variant}-{port}")
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        policy_path = os.path.join(tmp, "policy.toml")
        http_extra = http_b() if variant == "B" else ""
        server = {"A": server_a(), "B": server_b(), "C": server_c(policy_path)}[variant]
        load = f"load_module {MODULE};" if variant == "C" else ""
        conf = f"""{load}
daemon off;
master_process off;
worker_processes 1;
pcre_jit on;
pid {self.dir}/nginx.pid;
error_log {self.dir}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {self.dir}/body;
    proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fastcgi;
    uwsgi_temp_path {self.dir}/uwsgi;
    scgi_temp_path {self.dir}/scgi;
    access_log off;
    keepalive_requests 1000000;
{http_extra}
    server {{
        listen 127.0.0.1:{port};
        {server}
    }}
}}
"""
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(conf)
        self.port = port
        self.proc = start_bench_server(
            list(wrapper) + [NGINX, "-p", self.dir, "-c", self.conf],
            port,
            60,
            f"nginx {variant}",
            f"{self.dir}/logs",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self):
        # Fast shutdown: nginx still exits normally, so cachegrind writes its
        # output. Under valgrind on a loaded machine a signal is sometimes
        # not acted upon; it is repeated a few times before giving up.
        stop_process(self.proc, signal.SIGTERM, tries=6, timeout=10)


def send(port, kind, count, check):
    """`count` requests of `kind` on one keep-alive connection (`check`:
    the last must admit ALLOWED); returns the last response head."""
    return send_kind(port, kind, REQUESTS[kind], count, 60, ALLOWED if check else None)


def instructions(variant, kind, count, tmp, port):
    return count_instructions(
        os.path.join(tmp, f"cg-{variant}-{kind}-{count}.out"),
        lambda wrapper: Server(variant, port, tmp, wrapper=wrapper),
        lambda: send(port, kind, count, check=variant != "A"),
    )


def wrk(port, kind, seconds, tmp):
    """(requests/s, p99 latency in ms) of one wrk run."""
    method, headers = REQUESTS[kind]
    report = run_wrk(port, kind, method, headers, seconds, tmp, latency=True)
    return wrk_rps(report), wrk_p99_ms(report)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--quick", action="store_true", help="fewer requests, shorter wrk runs"
    )
    ap.add_argument("--no-wrk", action="store_true")
    ap.add_argument(
        "--no-instructions", action="store_true", help="skip the cachegrind runs"
    )
    args = ap.parse_args()
    low, high = (100, 600) if args.quick else (500, 5500)
    seconds = 3 if args.quick else 10

    tmp = tempfile.mkdtemp(prefix="ngx-cors-bench-")
    with open(os.path.join(tmp, "policy.toml"), "w", encoding="ascii") as f:
        f.write(policy_toml())

    if not args.no_instructions:
        ins = {}
        for kind in REQUESTS:
            for variant in "ABC":
                a = instructions(variant, kind, low, tmp, free_port())
                b = instructions(variant, kind, high, tmp, free_port())
                ins[variant, kind] = (b - a) / (high - low)
                print(
                    f"{variant} {kind}: {ins[variant, kind]:.0f} instr/request",
                    file=sys.stderr,
                )

        print("### Instructions per request (cachegrind, user space)\n")
        print(
            f"Difference of {high} and {low} requests on one keep-alive connection, "
            "single-process nginx (`master_process off`).\n"
        )
        print(
            "| request | A: no CORS | B: map + add_header + if | C: module | B − A | C − A | (C − A) / (B − A) |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for kind in REQUESTS:
            a, b, c = (ins[v, kind] for v in "ABC")
            print(
                f"| {kind} | {a:,.0f} | {b:,.0f} | {c:,.0f} | {b - a:,.0f} | {c - a:,.0f} | {(c - a) / (b - a):.2f} |"
            )

    if not args.no_wrk:
        print("\n### wrk (1 thread, 16 connections, keep-alive)\n")
        print(
            f"{seconds} s per run, nginx with one worker process (`master_process off`).\n"
        )
        print("| request | variant | req/s | p99 (ms) |")
        print("|---|---|---:|---:|")
        for kind in REQUESTS:
            for variant in "ABC":
                port = free_port()
                srv = Server(variant, port, tmp)
                try:
                    send(port, kind, 1, check=variant != "A")
                    rps, p99 = wrk(port, kind, seconds, tmp)
                finally:
                    srv.stop()
                print(f"| {kind} | {variant} | {rps:,.0f} | {p99:.2f} |")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
