"""What the host suites (bindings/<host>/t) and the host benches
(scripts/bench/<host>.py) share: ports, raw HTTP/1.1 over a socket, the
conformance vectors replayed over the wire, the load-while-reloading loop,
and the cachegrind and wrk drivers.

Nothing here knows a host: starting nginx or haproxy, and their
configurations, stay in each host's harness or bench script. Plain
standard-library Python, imported by path (each user puts this directory on
sys.path), so nothing needs installing.
"""

import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VECTORS = os.path.join(REPO, "tests", "vectors")


# --- ports and processes ---------------------------------------------------


def free_port():
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_pair():
    """A port, and the one after it, that were free a moment ago."""
    while True:
        port = free_port()
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue


def wait_listening(proc, port, seconds, poll=0.05, connect_timeout=0.2, ready=None):
    """Waits until 127.0.0.1:`port` accepts a connection (and `ready()`, if
    given, holds). False when `proc` exited first or time ran out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(
                ("127.0.0.1", port), timeout=connect_timeout
            ).close()
            if ready is None or ready():
                return True
        except OSError:
            if proc.poll() is not None:
                return False
            time.sleep(poll)
    return False


def stop_process(proc, sig, tries=1, timeout=10):
    """Sends `sig` up to `tries` times, waiting `timeout` seconds after
    each (a loaded machine, valgrind above all, sometimes lets a signal
    pass unacted upon); kills the process when it is still there."""
    for _ in range(tries):
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    proc.wait(timeout=10)


class TempDir:
    """A private temporary directory for one server's files."""

    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def file(self, name, text):
        path = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


def children(pid, live_only=False):
    """The pids whose parent is `pid` (`live_only`: zombies left out)."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and not (live_only and fields[0] == "Z"):
            kids.append(int(entry))
    return kids


# --- one HTTP/1.1 request per connection ------------------------------------


def _bytes(value):
    return value if isinstance(value, bytes) else value.encode("utf-8")


def request(port, method, path, headers=(), body=b"", host=True, response=None):
    """Sends one HTTP/1.1 request to 127.0.0.1:`port` (headers exactly as
    given, in order, repeated names allowed; str or bytes) and returns a
    `response` (default: Response)."""
    lines = [_bytes(method) + b" " + _bytes(path) + b" HTTP/1.1"]
    if host:
        lines.append(b"Host: test.local")
    for name, value in headers:
        lines.append(_bytes(name) + b": " + _bytes(value))
    if body:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    return raw(port, b"\r\n".join(lines) + b"\r\n\r\n" + body, response)


def raw(port, data, response=None):
    """Sends `data` as it is, reads the answer until the server closes and
    parses it as a `response` (default: Response)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return (response or Response)(b"".join(chunks))


class Response:
    """A parsed HTTP/1.1 response (the connection was closed after it).
    Header lookups ignore case; cors() gives names as sent unless
    `lower_names` (a host that writes them in lower case)."""

    lower_names = False

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
        """The CORS headers and Vary, in order, as [name, value] pairs."""
        return [
            [n.lower() if self.lower_names else n, v]
            for n, v in self.headers
            if n.lower().startswith("access-control-") or n.lower() == "vary"
        ]


# --- a local upstream application -------------------------------------------


class PermissiveUpstream(http.server.BaseHTTPRequestHandler):
    """An application that answers CORS itself, permissively and wrongly,
    and varies on Accept-Encoding (?vary=origin: on Origin; ?novary: not at
    all). ?fill=N adds N headers X-Fill-0 ... X-Fill-<N-1>. Subclasses set
    `body` and may record requests in `record()`."""

    body = b"upstream\n"

    def record(self):
        pass

    def do_GET(self):
        self.record()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("access-control-expose-headers", "x-secret")
        if "novary" not in self.path:
            vary = "Origin" if "vary=origin" in self.path else "Accept-Encoding"
            self.send_header("Vary", vary)
        fill = re.search(r"fill=(\d+)", self.path)
        for i in range(int(fill.group(1)) if fill else 0):
            self.send_header(f"X-Fill-{i}", str(i))
        self.end_headers()
        self.wfile.write(self.body)

    do_OPTIONS = do_GET

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """Connections that a proxy closes while idle are not errors."""

    def handle_error(self, request, client_address):
        pass


class LocalServer:
    """`handler` served on 127.0.0.1 (a free port) in a thread; use as a
    context manager."""

    def __init__(self, handler, server_class=QuietServer):
        self.server = server_class(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --- the conformance vectors over the wire ----------------------------------


def load_vectors():
    """(policies {name: TOML}, every request case of tests/vectors/*.json,
    each with its file name under "file")."""
    with open(os.path.join(VECTORS, "policies.json"), encoding="utf-8") as f:
        policies = json.load(f)
    cases = []
    for name in sorted(os.listdir(VECTORS)):
        if not name.endswith(".json") or name in (
            "policies.json",
            "policy_builds.json",
        ):
            continue
        with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
            for case in json.load(f)["cases"]:
                case["file"] = name
                cases.append(case)
    return policies, cases


def policy_path_name(policy):
    """A policy's name as it can stand in a URL path (and an nginx
    location)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", policy)


def expected_decision(expect):
    """The case's "kind decision reason", as the X-Cors test header holds
    the host's log variables."""
    if expect["kind"] == "not_cors":
        verdict = "not_cors"
    else:
        verdict = "allowed" if expect["allowed"] else "denied"
    return f'{expect["kind"]} {verdict} {expect["reason"]}'


def field_line_break(request, host):
    """Why `request` cannot be sent to `host` as it stands, or None: a value
    holding CR or LF ends the field line in the host's parser, which would
    read the bytes as a different request."""
    for _, value in request["headers"]:
        if "\r" in value or "\n" in value:
            return f"a value holding CR or LF ends the field line in {host}'s parser"
    return None


def replay_vectors(server, host, refusal, header_problem, list_skipped=False):
    """Replays every view-form request case through `server` (whose
    `request()` sends to /p/<policy_path_name(policy)>) and returns
    (replayed, skipped {reason: [case names]}, failures).

    `refusal(request, response)`: None when the host passed the request on
    to its CORS rules; else (reason skipped, failure or None) for a request
    the host's own parser refused. `header_problem(expect, response)`: what
    is wrong with the response's CORS headers, or None. Prints what was
    replayed and skipped (`list_skipped`: with the case names)."""
    _, cases = load_vectors()
    replayed, skipped, failures = 0, {}, []

    for case in cases:
        if "head" in case:
            skipped.setdefault(
                f"raw head (corsgate's scanner, not {host}'s parser)", []
            ).append(case["name"])
            continue
        if case.get("forms") is not None and "view" not in case["forms"]:
            skipped.setdefault("not a view-form case", []).append(case["name"])
            continue

        req = case["request"]
        why = field_line_break(req, host)
        if why is not None:
            skipped.setdefault(why, []).append(case["name"])
            continue

        has_host = any(n.lower() == "host" for n, _ in req["headers"])
        resp = server.request(
            req["method"],
            f"/p/{policy_path_name(case['policy'])}",
            [(n, v) for n, v in req["headers"]],
            host=not has_host,
        )
        refused = refusal(req, resp)
        if refused is not None:
            why, failure = refused
            if failure is not None:
                failures.append(f"{case['file']}: {case['name']}: {failure}")
            skipped.setdefault(why, []).append(case["name"])
            continue

        replayed += 1
        expect = case["expect"]
        want_status = expect["status"] or 200
        problems = []
        if resp.status != want_status:
            problems.append(f"status {resp.status}, expected {want_status}")
        problem = header_problem(expect, resp)
        if problem is not None:
            problems.append(problem)
        got = resp.get("X-Cors")
        if got != expected_decision(expect):
            problems.append(
                f"variables {got!r}, expected {expected_decision(expect)!r}"
            )
        if problems:
            failures.append(f"{case['file']}: {case['name']}: " + "; ".join(problems))

    report = "\n".join(
        f"  skipped {len(v)}: {k}" + (f": {v}" if list_skipped else "")
        for k, v in skipped.items()
    )
    print(f"\nreplayed {replayed} vector cases through {host.lower()}\n{report}")
    return replayed, skipped, failures


# --- load while reloading ----------------------------------------------------


class Traffic(threading.Thread):
    """Requests in a loop until stopped (or `seconds` passed); every answer
    must be a 200 that admits `origin`."""

    def __init__(self, server, origin, seconds):
        super().__init__(daemon=True)
        self.server = server
        self.origin = origin
        self.seconds = seconds
        self.stop_flag = threading.Event()
        self.count = 0
        self.failures = []

    def run(self):
        deadline = time.monotonic() + self.seconds
        while not self.stop_flag.is_set() and time.monotonic() < deadline:
            try:
                r = self.server.request("GET", "/", [("Origin", self.origin)])
                if r.status != 200 or r.all("Access-Control-Allow-Origin") != [
                    self.origin
                ]:
                    self.failures.append((r.status, r.headers))
            except OSError as e:
                self.failures.append(repr(e))
            self.count += 1

    def finish(self):
        self.stop_flag.set()
        self.join(timeout=30)


def generation_policy(generation, extra=""):
    """A large policy (1,000 origins, so that one leaked per reload shows):
    999 stable sites and https://gen<generation>.example.com."""
    origins = [f"https://site{i}.example.com" for i in range(999)]
    origins.append(f"https://gen{generation}.example.com")
    return "origins = [" + ", ".join(f'"{o}"' for o in origins) + "]\n" + extra


def await_generation(server, gen, master, seconds, live_only=False):
    """After reload `gen`: waits until the new policy answers and the
    master has one worker left, then checks the old policy is gone."""
    fresh = f"https://gen{gen}.example.com"
    deadline = time.monotonic() + seconds
    while True:
        r = server.request("GET", "/", [("Origin", fresh)])
        if r.get("Access-Control-Allow-Origin") == fresh:
            break
        assert time.monotonic() < deadline, f"reload {gen} did not take effect"
        time.sleep(0.02)
    while len(children(master, live_only)) != 1:
        assert time.monotonic() < deadline, "old worker did not exit"
        time.sleep(0.02)
    # once the old worker is gone, the old policy is gone too
    old = server.request("GET", "/", [("Origin", f"https://gen{gen - 1}.example.com")])
    assert old.get("Access-Control-Allow-Origin") is None


# --- benches: keep-alive requests, cachegrind, wrk --------------------------


def bench_policy(origins):
    """The host benches' policy TOML: `origins` with credentials, PUT and
    DELETE, three request headers, one exposed header, max-age 600."""
    return (
        "origins = [" + ", ".join(f'"{o}"' for o in origins) + "]\n"
        'methods = ["PUT", "DELETE"]\n'
        'request_headers = ["authorization", "content-type", "x-request-id"]\n'
        'expose_headers = ["x-request-id"]\n'
        "credentials = true\n"
        "max_age = 600\n"
    )


def chrome_requests(origin):
    """Chrome 124's own actual request and preflight from `origin` (as in
    benches/support/corpus.rs and the performance research note), as
    {kind: (method, headers)}: a host walks every request header, so a
    realistic set matters."""
    common = [
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
        ("Referer", f"{origin}/"),
        ("Accept-Encoding", "gzip, deflate, br, zstd"),
        ("Accept-Language", "en-US,en;q=0.9"),
    ]
    return {
        "actual": (
            "GET",
            [
                ("sec-ch-ua", '"Chromium";v="124", "Google Chrome";v="124"'),
                ("sec-ch-ua-mobile", "?0"),
                ("sec-ch-ua-platform", '"Windows"'),
                ("Origin", origin),
            ]
            + common,
        ),
        "preflight": (
            "OPTIONS",
            [
                ("Access-Control-Request-Method", "PUT"),
                (
                    "Access-Control-Request-Headers",
                    "authorization,content-type,x-request-id",
                ),
                ("Origin", origin),
            ]
            + common,
        ),
    }


def raw_request(method, headers, host="bench.local"):
    """One keep-alive HTTP/1.1 request for / with `headers`, as bytes."""
    lines = [f"{method} / HTTP/1.1", f"Host: {host}"] + [
        f"{n}: {v}" for n, v in headers
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def send_keepalive(port, req, count, timeout):
    """Sends `req` `count` times on one keep-alive connection, reading each
    response (head and Content-Length body); returns the last head."""
    head = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
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
    return head


def check_allowed(head, kind, origin, fold_case=False):
    """Raises unless the response head holds the field line
    `Access-Control-Allow-Origin: <origin>` (`fold_case`: in any case, for
    hosts that write names in lower case)."""
    text = head.decode("latin-1")
    line = f"Access-Control-Allow-Origin: {origin}"
    if fold_case:
        text, line = text.lower(), line.lower()
    if line not in text:
        raise RuntimeError(f"{kind}: no CORS answer:\n{text}")


def start_bench_server(args, port, seconds, what, logs, **popen):
    """Starts `args` and waits (up to `seconds`, valgrind is slow) until it
    listens on `port`; raises, naming `what` and where its `logs` are, when
    it exited or did not start."""
    proc = subprocess.Popen(args, **popen)
    if not wait_listening(proc, port, seconds, poll=0.1, connect_timeout=0.5):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited; see {logs}")
        raise RuntimeError(f"{what} did not start")
    return proc


def send_kind(port, kind, request, count, timeout, origin=None, fold_case=False):
    """`count` copies of `request` ((method, headers)) on one keep-alive
    connection; with `origin`, checks the last answer admits it (see
    check_allowed). Returns the last response head."""
    method, headers = request
    head = send_keepalive(port, raw_request(method, headers), count, timeout)
    if origin is not None:
        check_allowed(head, kind, origin, fold_case)
    return head


def cachegrind(out):
    """The command prefix that counts a process's instructions into `out`."""
    return [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        f"--cachegrind-out-file={out}",
    ]


def count_instructions(out, start, work):
    """The instructions a server spends from start to stop: `start(wrapper)`
    starts it under cachegrind (writing `out`) and returns an object with
    stop(); `work()` runs while it is up."""
    srv = start(cachegrind(out))
    try:
        work()
    finally:
        srv.stop()
    return cachegrind_total(out)


def cachegrind_total(out):
    """The instructions counted in cachegrind's output file `out`."""
    with open(out, encoding="ascii") as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no summary in {out}")


def lua_string(text):
    """A Lua string literal for `text` (header values hold quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(port, kind, method, headers, seconds, tmp, latency=False):
    """One wrk run (1 thread, 16 connections) of `method` / with `headers`;
    returns wrk's report. Raises on a script wrk refused."""
    script = os.path.join(tmp, f"wrk-{kind}.lua")
    with open(script, "w", encoding="ascii") as f:
        f.write(f"wrk.method = {lua_string(method)}\n")
        for n, v in headers:
            f.write(f"wrk.headers[{lua_string(n)}] = {lua_string(v)}\n")
    args = ["wrk", "-t1", "-c16", f"-d{seconds}s"]
    if latency:
        args.append("--latency")
    p = subprocess.run(
        args + ["-s", script, f"http://127.0.0.1:{port}/"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        check=True,
        timeout=seconds + 60,
    )
    if p.stderr.strip():
        # wrk reports a broken script on stderr and still runs, without it.
        raise RuntimeError(f"wrk {kind}: {p.stderr.decode(errors='replace')}")
    return p.stdout.decode()


def wrk_rps(report):
    """Requests per second from a wrk report."""
    return float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1))


def wrk_p99_ms(report):
    """The 99th percentile latency in ms from a `wrk --latency` report."""
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", report)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(p99.group(1)) * scale
