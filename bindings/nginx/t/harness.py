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
import subprocess

# on sys.path through conftest.py
import corsgate_testlib as hostlib

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


class Prefix(hostlib.TempDir):
    """A private nginx prefix directory."""

    def __init__(self):
        super().__init__("ngx-cors-")
        for d in ("logs", "tmp", "html"):
            os.makedirs(os.path.join(self.path, d))


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
        self.port = hostlib.free_port()
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
        if hostlib.wait_listening(self.proc, self.port, 10):
            return self
        self.stop()
        raise RuntimeError(f"nginx did not start:\n{self.error_log()}")

    def __exit__(self, *exc):
        self.stop()
        self.prefix.remove()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        hostlib.stop_process(self.proc, signal.SIGQUIT)

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
        return hostlib.request(self.port, method, path, headers, body, host)

    def raw(self, data):
        return hostlib.raw(self.port, data)
