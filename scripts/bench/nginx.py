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
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
MODULE = os.environ.get(
    "NGX_CORS_MODULE", os.path.join(REPO, "target", "nginx", "ngx_http_cors_module.so")
)
NGINX = os.environ.get("NGINX_BIN") or shutil.which("nginx") or "/usr/sbin/nginx"

ORIGINS = [f"https://app{i}.example.com" for i in range(1000)]
ALLOWED = ORIGINS[777]
WILDCARD = "https://*.example.org"
WILDCARD_RE = r"~^https://[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.org$"

# The browsers' own header sets (Chrome 124, as in benches/support/corpus.rs
# and the performance research note): the module walks every request
# header, so a realistic count matters.
CHROME_COMMON = [
    ("Connection", "keep-alive"),
    ("Accept", "application/json, text/plain, */*"),
    (
        "User-Agent",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    ),
    ("Sec-Fetch-Site", "same-site"),
    ("Sec-Fetch-Mode", "cors"),
    ("Sec-Fetch-Dest", "empty"),
    ("Referer", "https://app777.example.com/"),
    ("Accept-Encoding", "gzip, deflate, br, zstd"),
    ("Accept-Language", "en-US,en;q=0.9"),
]
REQUESTS = {
    "actual": (
        "GET",
        [
            ("sec-ch-ua", '"Chromium";v="124", "Google Chrome";v="124"'),
            ("sec-ch-ua-mobile", "?0"),
            ("sec-ch-ua-platform", '"Windows"'),
            ("Origin", ALLOWED),
        ]
        + CHROME_COMMON,
    ),
    "preflight": (
        "OPTIONS",
        [
            ("Access-Control-Request-Method", "PUT"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type,x-request-id",
            ),
            ("Origin", ALLOWED),
        ]
        + CHROME_COMMON,
    ),
}
ALLOW_HEADERS = "authorization, content-type, x-request-id"


def policy_toml():
    return (
        "origins = [" + ", ".join(f'"{o}"' for o in ORIGINS + [WILDCARD]) + "]\n"
        'methods = ["PUT", "DELETE"]\n'
        'request_headers = ["authorization", "content-type", "x-request-id"]\n'
        'expose_headers = ["x-request-id"]\n'
        "credentials = true\n"
        "max_age = 600\n"
    )


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
        self.proc = subprocess.Popen(
            list(wrapper) + [NGINX, "-p", self.dir, "-c", self.conf],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nginx {variant} exited; see {self.dir}/logs")
                time.sleep(0.1)
        raise RuntimeError(f"nginx {variant} did not start")

    def stop(self):
        # Fast shutdown: nginx still exits normally, so cachegrind writes its
        # output. Under valgrind on a loaded machine a signal is sometimes
        # not acted upon; it is repeated a few times before giving up.
        for _ in range(6):
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
                return
            except subprocess.TimeoutExpired:
                pass
        self.proc.kill()
        self.proc.wait(timeout=10)


def raw_request(kind):
    method, headers = REQUESTS[kind]
    lines = [f"{method} / HTTP/1.1", "Host: bench.local"] + [
        f"{n}: {v}" for n, v in headers
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def send(port, kind, count, check):
    """`count` requests on one keep-alive connection; returns the last
    response head."""
    req = raw_request(kind)
    head = b""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        buf = b""
        for _ in range(count):
            s.sendall(req)
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("connection closed")
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            need = int(m.group(1)) if m else 0
            while len(buf) < need:
                buf += s.recv(65536)
            buf = buf[need:]
    if check:
        text = head.decode("latin-1")
        if f"Access-Control-Allow-Origin: {ALLOWED}" not in text:
            raise RuntimeError(f"{kind}: no CORS answer:\n{text}")
    return head


def instructions(variant, kind, count, tmp, port):
    out = os.path.join(tmp, f"cg-{variant}-{kind}-{count}.out")
    srv = Server(
        variant,
        port,
        tmp,
        wrapper=[
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={out}",
        ],
    )
    try:
        send(port, kind, count, check=variant != "A")
    finally:
        srv.stop()
    with open(out, encoding="ascii") as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no summary in {out}")


def lua_string(text):
    """A Lua string literal for `text` (header values hold quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(port, kind, seconds, tmp):
    method, headers = REQUESTS[kind]
    script = os.path.join(tmp, f"wrk-{kind}.lua")
    with open(script, "w", encoding="ascii") as f:
        f.write(f"wrk.method = {lua_string(method)}\n")
        for n, v in headers:
            f.write(f"wrk.headers[{lua_string(n)}] = {lua_string(v)}\n")
    p = subprocess.run(
        [
            "wrk",
            "-t1",
            "-c16",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script,
            f"http://127.0.0.1:{port}/",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        check=True,
        timeout=seconds + 60,
    )
    if p.stderr.strip():
        # wrk reports a broken script on stderr and still runs, without it.
        raise RuntimeError(f"wrk {kind}: {p.stderr.decode(errors='replace')}")
    text = p.stdout.decode()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
