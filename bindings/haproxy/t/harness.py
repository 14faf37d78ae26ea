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

import http.server
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

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


def free_port():
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dir:
    """A private directory for one haproxy's configuration and policies."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="haproxy-cors-")

    def file(self, name, text):
        path = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


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
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                if not self.master_worker or self.loads() >= 1:
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"haproxy did not start:\n{self.output()}")

    def __exit__(self, *exc):
        self.stop()
        self.dir.remove()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
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
        lines = [_bytes(method) + b" " + _bytes(path) + b" HTTP/1.1"]
        if host:
            lines.append(b"Host: test.local")
        for name, value in headers:
            lines.append(_bytes(name) + b": " + _bytes(value))
        if body:
            lines.append(b"Content-Length: " + str(len(body)).encode())
        lines.append(b"Connection: close")
        return self.raw(b"\r\n".join(lines) + b"\r\n\r\n" + body)

    def raw(self, data):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(data)
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return Response(b"".join(chunks))


def _bytes(value):
    return value if isinstance(value, bytes) else value.encode("utf-8")


class Response:
    """A parsed HTTP/1.1 response (the connection was closed after it).
    HAProxy writes header names in lower case; lookups ignore case."""

    def __init__(self, data):
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.append((name, value.strip()))

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def get(self, name):
        values = self.all(name)
        assert len(values) <= 1, f"{name} appears {len(values)} times: {values}"
        return values[0] if values else None

    def cors(self):
        """The CORS headers and Vary, in order, as [lower-case name, value]."""
        return [
            [n.lower(), v]
            for n, v in self.headers
            if n.lower().startswith("access-control-") or n.lower() == "vary"
        ]


class _QuietServer(http.server.ThreadingHTTPServer):
    """Connections that haproxy closes while idle are not errors."""

    def handle_error(self, request, client_address):
        pass


class Backend:
    """A local application behind haproxy that answers CORS itself,
    permissively and wrongly, and varies on Accept-Encoding (?novary: not
    at all). It counts the requests that reach it, by method."""

    def __init__(self):
        self.seen = []
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                seen.append((self.command, self.path))
                body = b"backend\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("access-control-expose-headers", "x-secret")
                if "novary" not in self.path:
                    self.send_header("Vary", "Accept-Encoding")
                self.end_headers()
                self.wfile.write(body)

            do_OPTIONS = do_GET
            do_POST = do_GET
            do_PUT = do_GET

            def log_message(self, *args):
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
