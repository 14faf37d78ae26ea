"""Runs the real haproxy with corsgate's Lua module on 127.0.0.1 for the
tests, and a small local backend that records what reaches it.

Each haproxy gets a private directory (a temporary one) holding its
configuration and policy files. It runs in the foreground (-db) and is
stopped by pid; a test server never outlives its test.

Environment:
    HAPROXY_BIN        the haproxy binary (default: haproxy on PATH)
    CORSGATE_HAPROXY   the directory holding corsgate.so and corsgate.lua
                       (default: <repo>/target/haproxy, as build.sh leaves it)
"""

import os
import shutil
import signal
import subprocess
import time

# on sys.path through conftest.py
import corsgate_testlib
from corsgate_testlib import (
    LocalServer,
    PermissiveUpstream,
    TempDir,
    free_port,
    raw,
    request,
    stop_process,
    wait_listening,
)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODULE_DIR = os.environ.get("CORSGATE_HAPROXY") or os.path.join(
    REPO, "target", "haproxy"
)
HAPROXY = (
    os.environ.get("HAPROXY_BIN") or shutil.which("haproxy") or "/usr/sbin/haproxy"
)

# The rules that answer the preflights a lua.corsgate rule decided; they
# follow every group of lua.corsgate rules (README, "The configuration").
PREFLIGHT_HDRS = (
    "hdr Access-Control-Allow-Origin %[var(txn.cors_pf_acao)] "
    "hdr Access-Control-Allow-Credentials %[var(txn.cors_pf_acac)] "
    "hdr Access-Control-Allow-Methods %[var(txn.cors_pf_acam)] "
    "hdr Access-Control-Allow-Headers %[var(txn.cors_pf_acah1)] "
    "hdr Access-Control-Allow-Headers %[var(txn.cors_pf_acah2)] "
    "hdr Access-Control-Allow-Headers %[var(txn.cors_pf_acah3)] "
    "hdr Access-Control-Allow-Headers %[var(txn.cors_pf_acah4)] "
    "hdr Access-Control-Max-Age %[var(txn.cors_pf_acma)] "
    "hdr Access-Control-Allow-Private-Network %[var(txn.cors_pf_acapn)] "
    "hdr Vary %[var(txn.cors_pf_vary)]"
)
PREFLIGHT_RULES = f"""
    http-request return status 204 {PREFLIGHT_HDRS} if {{ var(txn.cors_status) -m int 204 }}
    http-request return status 200 {PREFLIGHT_HDRS} if {{ var(txn.cors_status) -m int 200 }}
    http-request return status 403 hdr Vary %[var(txn.cors_pf_vary)] if {{ var(txn.cors_status) -m int 403 }}"""

# The response-side rules every CORS frontend needs (README, "The
# configuration").
RESPONSE_RULES = """
    http-response del-header ^access-control- -m reg if { var(txn.cors_mode) -m str enforce }
    http-after-response set-header Access-Control-Allow-Origin %[var(txn.cors_acao)] if { var(txn.cors_acao) -m found }
    http-after-response set-header Access-Control-Allow-Credentials %[var(txn.cors_acac)] if { var(txn.cors_acac) -m found }
    http-after-response set-header Access-Control-Expose-Headers %[var(txn.cors_aceh)] if { var(txn.cors_aceh) -m found }
    http-after-response add-header Vary %[var(txn.cors_vary)] if { var(txn.cors_vary) -m found }
"""

# Everything that follows the lua.corsgate rules of a frontend; the tests
# use exactly these lines.
CORS_RULES = PREFLIGHT_RULES + RESPONSE_RULES

# The decision as one header, for the tests to read the log variables.
DECISION_RULE = (
    '    http-after-response set-header X-Cors "%[var(txn.cors_kind)] '
    '%[var(txn.cors_decision)] %[var(txn.cors_reason)]"\n'
)


class Dir(TempDir):
    """A private directory for one haproxy's configuration and policies."""

    def __init__(self):
        super().__init__("haproxy-cors-")


def global_section(policies, per_thread=False, nbthread=1, extra=""):
    """`global` with the module loaded and `policies` ({name: path}) named."""
    spec = ",".join(f"{name}={path}" for name, path in policies.items())
    load = "lua-load-per-thread" if per_thread else "lua-load"
    return f"""global
    nbthread {nbthread}
    tune.bufsize 131072
    lua-prepend-path {MODULE_DIR}/?.so cpath
    setenv CORSGATE_POLICIES {spec}
    {load} {MODULE_DIR}/corsgate.lua
{extra}
defaults
    mode http
    timeout client 10s
    timeout server 10s
    timeout connect 2s
"""


def haproxy_check(conf_path):
    """Runs `haproxy -c`; returns (exit code, combined output)."""
    p = subprocess.run(
        [HAPROXY, "-c", "-f", conf_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=60,
        check=False,
    )
    return p.returncode, p.stdout.decode("utf-8", "replace")


class Haproxy:
    """A running haproxy; use as a context manager. `config` is the whole
    configuration, with @PORT@ for the port the frontend binds and @DIR@
    for the private directory."""

    def __init__(self, config, directory=None, master_worker=False):
        self.dir = directory or Dir()
        self.port = free_port()
        self.master_worker = master_worker
        text = config.replace("@PORT@", str(self.port)).replace("@DIR@", self.dir.path)
        self.conf = self.dir.file("haproxy.cfg", text)
        self.log_path = os.path.join(self.dir.path, "haproxy.log")
        self.proc = None

    def __enter__(self):
        code, out = haproxy_check(self.conf)
        if code != 0:
            raise RuntimeError(f"haproxy -c failed:\n{out}")
        args = [HAPROXY, "-db", "-f", self.conf]
        if self.master_worker:
            args.insert(1, "-W")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        if wait_listening(
            self.proc,
            self.port,
            15,
            ready=lambda: not self.master_worker or self.loads() >= 1,
        ):
            return self
        self.stop()
        raise RuntimeError(f"haproxy did not start:\n{self.output()}")

    def __exit__(self, *exc):
        self.stop()
        self.dir.remove()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            stop_process(self.proc, signal.SIGTERM)
        if self.proc is not None:
            self.log.close()

    def loads(self):
        """How many times the master has loaded its configuration. A master
        signalled before it is ready for signals (the first load) would
        lose a reload."""
        return self.output().count("Loading success.")

    def reload(self):
        """Master-worker reload: the master re-reads the configuration
        (and so the policy files) and starts new workers. Returns once the
        master has begun the reload. A master that is still settling after
        its last load drops SIGUSR2 (seen with 2.6), so the signal is sent
        again until the master logs that it is reloading."""
        before = self.output().count("Reloading HAProxy")
        deadline = time.monotonic() + 20
        while self.output().count("Reloading HAProxy") == before:
            assert time.monotonic() < deadline, f"no reload:\n{self.output()}"
            self.proc.send_signal(signal.SIGUSR2)
            wait = time.monotonic() + 0.5
            while (
                time.monotonic() < wait
                and self.output().count("Reloading HAProxy") == before
            ):
                time.sleep(0.02)

    def output(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def request(self, method, path, headers=(), body=b"", host=True):
        """Sends one HTTP/1.1 request (headers exactly as given, in order,
        repeated names allowed) and returns a Response."""
        return request(self.port, method, path, headers, body, host, Response)

    def raw(self, data):
        return raw(self.port, data, Response)


class Response(corsgate_testlib.Response):
    """HAProxy writes header names in lower case: cors() gives them so."""

    lower_names = True


class Backend(LocalServer):
    """A local application behind haproxy that answers CORS itself,
    permissively and wrongly (see PermissiveUpstream). It counts the
    requests that reach it, by method."""

    def __init__(self):
        self.seen = []
        seen = self.seen

        class Handler(PermissiveUpstream):
            protocol_version = "HTTP/1.1"
            body = b"backend\n"

            def record(self):
                seen.append((self.command, self.path))

            do_POST = PermissiveUpstream.do_GET
            do_PUT = PermissiveUpstream.do_GET

        super().__init__(Handler)
