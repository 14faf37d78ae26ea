"""Runs the real nginx with ngx_http_cors_module on 127.0.0.1 for the tests.

Each server gets a private prefix (a temporary directory) holding its
configuration, logs, pid file and temp paths, so nginx runs as any user and
never touches /var. Servers run in the foreground and are stopped by pid.

Two builds are tested: the dynamic module loaded into the installed nginx
(the default), and an nginx with the module compiled in (NGX_CORS_STATIC=1,
built by bindings/nginx/build-static.sh), whose configurations have no
load_module line.

Environment:
    NGX_CORS_STATIC=1  test the nginx that has the module compiled in
    NGINX_BIN          the nginx binary (default: nginx on PATH; with
                       NGX_CORS_STATIC=1, <repo>/target/nginx/static/sbin/nginx)
    NGX_CORS_MODULE    the module to load, unless static
                       (default: <repo>/target/nginx/ngx_http_cors_module.so)
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODULE = os.environ.get(
    "NGX_CORS_MODULE", os.path.join(REPO, "target", "nginx", "ngx_http_cors_module.so")
)
STATIC = os.environ.get("NGX_CORS_STATIC", "") not in ("", "0")
if STATIC:
    NGINX = os.environ.get("NGINX_BIN") or os.path.join(
        REPO, "target", "nginx", "static", "sbin", "nginx"
    )
else:
    NGINX = os.environ.get("NGINX_BIN") or shutil.which("nginx") or "/usr/sbin/nginx"
# A compiled-in module must not be loaded again: nginx would refuse the
# configuration ("module ... is already loaded").
LOAD_MODULE = "" if STATIC else f"load_module {MODULE};"


def free_port():
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main_conf(prefix, http_body, master=False, main="", load_module=None):
    """A complete nginx.conf around `http_body` (the inside of http {});
    `main` goes into the main context, after the module's load_module line
    (`load_module` replaces that line)."""
    tmp = os.path.join(prefix, "tmp")
    return f"""
{LOAD_MODULE if load_module is None else load_module}
{main}
daemon off;
master_process {"on" if master else "off"};
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    access_log off;
    large_client_header_buffers 4 256k;
{http_body}
}}
"""


class Prefix:
    """A private nginx prefix directory."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="ngx-cors-")
        for d in ("logs", "tmp", "html"):
            os.makedirs(os.path.join(self.path, d))

    def file(self, name, text):
        path = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


def nginx_test(conf_path, prefix, binary=None):
    """Runs `nginx -t`; returns (exit code, combined output)."""
    p = subprocess.run(
        [binary or NGINX, "-t", "-p", prefix, "-c", conf_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=30,
        check=False,
    )
    return p.returncode, p.stdout.decode("utf-8", "replace")


class Nginx:
    """A running nginx; use as a context manager. `main`, `load_module`:
    see main_conf(); `binary`: another nginx than NGINX."""

    def __init__(
        self,
        http_body,
        master=False,
        prefix=None,
        main="",
        load_module=None,
        binary=None,
    ):
        self.binary = binary or NGINX
        self.prefix = prefix or Prefix()
        self.port = free_port()
        body = http_body.replace("@PORT@", str(self.port)).replace(
            "@PREFIX@", self.prefix.path
        )
        self.conf = self.prefix.file(
            "nginx.conf",
            main_conf(self.prefix.path, body, master, main, load_module),
        )
        self.proc = None

    def __enter__(self):
        code, out = nginx_test(self.conf, self.prefix.path, self.binary)
        if code != 0:
            raise RuntimeError(f"nginx -t failed:\n{out}")
        self.proc = subprocess.Popen(
            [self.binary, "-p", self.prefix.path, "-c", self.conf],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not start:\n{self.error_log()}")

    def __exit__(self, *exc):
        self.stop()
        self.prefix.remove()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)

    def error_log(self):
        try:
            with open(
                os.path.join(self.prefix.path, "logs", "error.log"), encoding="utf-8"
            ) as f:
                return f.read()
        except OSError:
            return ""

    def request(self, method, path, headers=(), body=b"", host=True):
        """Sends one HTTP/1.1 request (headers exactly as given, in order,
        repeated names allowed) and returns a Response."""
        lines = [f"{method} {path} HTTP/1.1".encode("latin-1")]
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
    """A parsed HTTP/1.1 response (the connection was closed after it)."""

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
            [n, v]
            for n, v in self.headers
            if n.lower().startswith("access-control-") or n.lower() == "vary"
        ]
