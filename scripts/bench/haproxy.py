#!/usr/bin/env python3
"""CORS in HAProxy 2.6, four ways, on loopback, with one policy (1,000
exact origins plus the wildcard https://*.example.org, credentials, PUT and
DELETE, three request headers, one exposed header, max-age 600):

  A   no CORS: `http-request return`;
  B1  hand-written native rules: a map over the 1,000 origins plus a regex
      for the wildcard, `http-request return ... hdr ...` for preflights and
      `http-after-response` for the rest;
  B2  haproxytech/haproxy-lua-cors in its documented configuration
      (`http-request lua.cors <methods> <origins> <headers>` and
      `http-response lua.cors`), loaded with `lua-load` (B2) and with
      `lua-load-per-thread` (B2t);
  C   corsgate: `http-request lua.corsgate api` and the fixed block of
      bindings/haproxy/README.md (three `http-request return` rules for
      preflights, five response rules).

The requests are Chrome's own preflight and actual request (11 Chrome
headers plus Origin, and ACRM/ACRH for the preflight), from an allowed
origin in the middle of the list.

haproxy-lua-cors sets an actual request's headers in `http-response`,
which runs only for responses that come from a server; its actual request
is therefore measured through a backend, a second frontend of the same
haproxy that answers with `http-request return`, against A' (A through the
same backend). Every other figure is measured without a backend.

Primary figure: user-space instructions per request, from
`valgrind --tool=cachegrind --cache-sim=no` on a single-threaded haproxy
(`nbthread 1`, foreground), as the difference between two runs with
different request counts on one keep-alive connection (start-up and
shutdown cancel out). Secondary, in the same run: wrk requests/s (the
median of several runs, variants interleaved).

    scripts/bench/haproxy.py --peer DIR [--quick] [--no-wrk] [--no-instructions]

DIR holds haproxy-lua-cors's cors.lua (or set HAPROXY_LUA_CORS); without
it, B2 is left out and the report says so. Needs haproxy, valgrind, wrk and
a built module (bindings/haproxy/build.sh). Prints a Markdown report on
stdout and progress on stderr.
"""

import argparse
import os
import shutil
import signal
import statistics
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
    send_kind,
    start_bench_server,
    stop_process,
    wrk_rps,
)
from corsgate_testlib import free_port_pair as free_port  # noqa: E402
from corsgate_testlib import wrk as run_wrk  # noqa: E402

MODULE_DIR = os.environ.get("CORSGATE_HAPROXY") or os.path.join(
    REPO, "target", "haproxy"
)
HAPROXY = (
    os.environ.get("HAPROXY_BIN") or shutil.which("haproxy") or "/usr/sbin/haproxy"
)

ORIGINS = [f"https://app{i}.example.com" for i in range(1000)]
ALLOWED = ORIGINS[500]
WILDCARD = "https://*.example.org"
WILDCARD_RE = r"^https://[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.org$"
ALLOW_HEADERS = "authorization, content-type, x-request-id"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

REQUESTS = chrome_requests(ALLOWED)

RETURN = "http-request return status 200 content-type text/plain string ok"


def policy_toml():
    return bench_policy(ORIGINS + [WILDCARD])


def config(variant, port, tmp, peer):
    """The whole haproxy.cfg of one variant."""
    glob = ["global", "    nbthread 1", "    tune.bufsize 32768"]
    rules = []
    backend = ""
    if variant in ("B2", "B2t"):
        load = "lua-load-per-thread" if variant == "B2t" else "lua-load"
        glob.append(f"    {load} {os.path.join(peer, 'cors.lua')}")
        # haproxy-lua-cors's own pattern for a wildcard subdomain is ".domain"
        origins = ",".join(ORIGINS + [".example.org"])
        rules.append(
            f'    http-request lua.cors "PUT,DELETE" "{origins}" '
            f'"{ALLOW_HEADERS.replace(" ", "")}"'
        )
        rules.append("    http-response lua.cors")
    elif variant == "B1":
        rules += [
            f"    http-request set-var(txn.acao) req.fhdr(origin),map_str({tmp}/origins.map)",
            "    http-request set-var(txn.acao) req.fhdr(origin) if !{ var(txn.acao) -m found } "
            f"{{ req.fhdr(origin) -m reg {WILDCARD_RE} }}",
            "    http-request return status 204 hdr Access-Control-Allow-Origin %[var(txn.acao)] "
            "hdr Access-Control-Allow-Credentials true "
            'hdr Access-Control-Allow-Methods "PUT, DELETE" '
            f'hdr Access-Control-Allow-Headers "{ALLOW_HEADERS}" '
            "hdr Access-Control-Max-Age 600 "
            f'hdr Vary "{PREFLIGHT_VARY}" '
            "if METH_OPTIONS { req.hdr(access-control-request-method) -m found } "
            "{ var(txn.acao) -m found }",
            "    http-after-response set-header Access-Control-Allow-Origin %[var(txn.acao)] "
            "if { var(txn.acao) -m found } !METH_OPTIONS",
            "    http-after-response set-header Access-Control-Allow-Credentials true "
            "if { var(txn.acao) -m found } !METH_OPTIONS",
            "    http-after-response set-header Access-Control-Expose-Headers x-request-id "
            "if { var(txn.acao) -m found } !METH_OPTIONS",
            "    http-after-response add-header Vary Origin if !METH_OPTIONS",
        ]
    elif variant == "C":
        glob += [
            f"    lua-prepend-path {MODULE_DIR}/?.so cpath",
            f"    setenv CORSGATE_POLICIES api={tmp}/policy.toml",
            f"    lua-load {MODULE_DIR}/corsgate.lua",
        ]
        hdrs = " ".join(
            f"hdr {name} %[var(txn.cors_pf_{var})]"
            for name, var in [
                ("Access-Control-Allow-Origin", "acao"),
                ("Access-Control-Allow-Credentials", "acac"),
                ("Access-Control-Allow-Methods", "acam"),
                ("Access-Control-Allow-Headers", "acah1"),
                ("Access-Control-Allow-Headers", "acah2"),
                ("Access-Control-Allow-Headers", "acah3"),
                ("Access-Control-Allow-Headers", "acah4"),
                ("Access-Control-Max-Age", "acma"),
                ("Access-Control-Allow-Private-Network", "acapn"),
                ("Vary", "vary"),
            ]
        )
        rules += [
            "    http-request lua.corsgate api",
            f"    http-request return status 204 {hdrs} "
            "if { var(txn.cors_status) -m int 204 }",
            f"    http-request return status 200 {hdrs} "
            "if { var(txn.cors_status) -m int 200 }",
            "    http-request return status 403 hdr Vary %[var(txn.cors_pf_vary)] "
            "if { var(txn.cors_status) -m int 403 }",
            "    http-response del-header ^access-control- -m reg "
            "if { var(txn.cors_mode) -m str enforce }",
            "    http-after-response set-header Access-Control-Allow-Origin "
            "%[var(txn.cors_acao)] if { var(txn.cors_acao) -m found }",
            "    http-after-response set-header Access-Control-Allow-Credentials "
            "%[var(txn.cors_acac)] if { var(txn.cors_acac) -m found }",
            "    http-after-response set-header Access-Control-Expose-Headers "
            "%[var(txn.cors_aceh)] if { var(txn.cors_aceh) -m found }",
            "    http-after-response add-header Vary %[var(txn.cors_vary)] "
            "if { var(txn.cors_vary) -m found }",
        ]
    if variant in ("A'", "B2") or variant == "B2t":
        # through a backend: a second frontend of this haproxy answers
        backend = f"""
    default_backend app

backend app
    server s1 127.0.0.1:{port + 1}

frontend app
    bind 127.0.0.1:{port + 1}
    {RETURN}
"""
    else:
        rules.append(f"    {RETURN}")
    return "\n".join(glob) + f"""
defaults
    mode http
    option http-keep-alive
    timeout client 60s
    timeout server 60s
    timeout connect 5s
    timeout http-keep-alive 60s

frontend fe
    bind 127.0.0.1:{port}
""" + "\n".join(rules) + "\n" + backend


class Server:
    def __init__(self, variant, port, tmp, peer, wrapper=()):
        self.conf = os.path.join(tmp, f"{variant}-{port}.cfg".replace("'", "p"))
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(config(variant, port, tmp, peer))
        self.log = open(self.conf + ".log", "wb")
        self.proc = start_bench_server(
            list(wrapper) + [HAPROXY, "-db", "-f", self.conf],
            port,
            120,
            f"haproxy {variant}",
            f"{self.conf}.log",
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self):
        # SIGUSR1 is HAProxy's soft stop: it exits normally, so cachegrind
        # writes its output; repeated in case a loaded machine delays it.
        stop_process(self.proc, signal.SIGUSR1, tries=6, timeout=20)
        self.log.close()


def send(port, kind, count, check):
    """Sends `kind` `count` times on one keep-alive connection, checking
    the last answer admits ALLOWED if `check` (HAProxy writes lower-case
    names); returns the last response head."""
    origin = ALLOWED if check else None
    return send_kind(port, kind, REQUESTS[kind], count, 600, origin, fold_case=True)


def instructions(variant, kind, count, tmp, peer, port):
    # the file name without the quote of A'
    out = os.path.join(tmp, f"cg-{variant}-{kind}-{count}.out".replace("'", "p"))
    return count_instructions(
        out,
        lambda wrapper: Server(variant, port, tmp, peer, wrapper=wrapper),
        lambda: send(port, kind, count, check=not variant.startswith("A")),
    )


def wrk(port, kind, seconds, tmp):
    """Requests/s of one wrk run; raises when any request failed."""
    method, headers = REQUESTS[kind]
    report = run_wrk(port, kind, method, headers, seconds, tmp)
    if "Non-2xx" in report or "Socket errors" in report:
        raise RuntimeError(f"wrk {kind}: failed requests:\n{report}")
    return wrk_rps(report)


def variants_for(kind, peer):
    """The variants measured for one request, in report order."""
    out = ["A"]
    if kind == "actual" and peer:
        out.append("A'")
    out.append("B1")
    if peer:
        out += ["B2", "B2t"]
    out.append("C")
    return out


def baseline(variant, kind):
    return "A'" if kind == "actual" and variant in ("B2", "B2t") else "A"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--peer",
        default=os.environ.get("HAPROXY_LUA_CORS"),
        help="directory holding haproxy-lua-cors's cors.lua (or HAPROXY_LUA_CORS)",
    )
    ap.add_argument("--quick", action="store_true", help="fewer requests, shorter runs")
    ap.add_argument("--no-wrk", action="store_true")
    ap.add_argument("--no-instructions", action="store_true")
    ap.add_argument("--runs", type=int, default=3, help="wrk runs per variant")
    args = ap.parse_args()
    peer = args.peer
    if peer and not os.path.isfile(os.path.join(peer, "cors.lua")):
        sys.exit(f"bench.py: no cors.lua in {peer}")
    if not peer:
        print(
            "bench.py: no --peer / HAPROXY_LUA_CORS: haproxy-lua-cors (B2) left out",
            file=sys.stderr,
        )
    low, high = (100, 600) if args.quick else (500, 5500)
    # haproxy-lua-cors spends tens of millions of instructions per request
    # with 1,000 origins: fewer requests give the same precision
    low_b2, high_b2 = (5, 25) if args.quick else (20, 120)
    seconds = 3 if args.quick else 5

    tmp = tempfile.mkdtemp(prefix="haproxy-cors-bench-")
    with open(os.path.join(tmp, "policy.toml"), "w", encoding="ascii") as f:
        f.write(policy_toml())
    with open(os.path.join(tmp, "origins.map"), "w", encoding="ascii") as f:
        f.write("".join(f"{o} {o}\n" for o in ORIGINS))

    version = (
        subprocess.run([HAPROXY, "-v"], stdout=subprocess.PIPE, check=True)
        .stdout.decode()
        .splitlines()[0]
    )
    print(f"{version}; policy: 1,000 origins + `{WILDCARD}`, credentials.\n")
    if not peer:
        print("haproxy-lua-cors (B2) not measured: no --peer given.\n")

    ins = {}
    if not args.no_instructions:
        for kind in REQUESTS:
            for variant in variants_for(kind, peer):
                lo, hi = (low_b2, high_b2) if variant.startswith("B2") else (low, high)
                a = instructions(variant, kind, lo, tmp, peer, free_port())
                b = instructions(variant, kind, hi, tmp, peer, free_port())
                ins[variant, kind] = (b - a) / (hi - lo)
                print(
                    f"{variant} {kind}: {ins[variant, kind]:,.0f} instr/request",
                    file=sys.stderr,
                )

    rps = {}
    if not args.no_wrk:
        samples = {}
        for run in range(args.runs):
            for kind in REQUESTS:
                for variant in variants_for(kind, peer):
                    port = free_port()
                    srv = Server(variant, port, tmp, peer)
                    try:
                        send(port, kind, 1, check=not variant.startswith("A"))
                        r = wrk(port, kind, seconds, tmp)
                    finally:
                        srv.stop()
                    samples.setdefault((variant, kind), []).append(r)
                    print(
                        f"run {run + 1}: {variant} {kind}: {r:,.0f} req/s",
                        file=sys.stderr,
                    )
        rps = {k: statistics.median(v) for k, v in samples.items()}

    print(
        "| request | variant | instructions/request | added over its baseline | req/s (median) | vs baseline |"
    )
    print("|---|---|---:|---:|---:|---:|")
    names = {
        "A": "A: `http-request return`, no CORS",
        "A'": "A': A through a backend",
        "B1": "B1: native map + return + after-response",
        "B2": "B2: haproxy-lua-cors, `lua-load`",
        "B2t": "B2t: haproxy-lua-cors, `lua-load-per-thread`",
        "C": "C: corsgate",
    }
    for kind in REQUESTS:
        for variant in variants_for(kind, peer):
            base = baseline(variant, kind)
            i = ins.get((variant, kind))
            added = ""
            if i is not None and variant != base and not variant.startswith("A"):
                added = f"{i - ins[base, kind]:+,.0f}"
            r = rps.get((variant, kind))
            vs = ""
            if r is not None and not variant.startswith("A"):
                vs = f"{(r / rps[base, kind] - 1) * 100:+.1f} %"
            print(
                f"| {kind} | {names[variant]} | "
                f"{'' if i is None else f'{i:,.0f}'} | {added} | "
                f"{'' if r is None else f'{r:,.0f}'} | {vs} |"
            )
    if ins:
        print()
        for kind in REQUESTS:
            c = ins["C", kind] - ins["A", kind]
            b1 = ins["B1", kind] - ins["A", kind]
            line = f"{kind}: C adds {c:,.0f}, B1 adds {b1:,.0f} (C/B1 = {c / b1:.2f})"
            if peer:
                base = baseline("B2", kind)
                b2 = ins["B2", kind] - ins[base, kind]
                line += f", B2 adds {b2:,.0f} (B2/C = {b2 / c:,.0f}x)"
            print(line + ".")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
