"""The core's conformance vectors (tests/vectors/*.json) replayed through
nginx: every case whose forms include "view" (the form nginx uses) is sent
to a location whose policy is the case's, and the status, the exact CORS
headers and $cors_kind / $cors_decision / $cors_reason are compared.

Skipped, with the reason checked against nginx's actual answer:

* raw-head cases (`head`): they exercise corsgate's own HTTP/1.x scanner,
  which nginx does not use (nginx parses requests itself);
* cases with CR or LF inside a field value: nginx ends a field line
  there, so the bytes would be a different request;
* cases nginx refuses before any module runs: a method with characters
  other than A-Z, "_" and "-", or a header line with a control byte. For
  these the test asserts that nginx really answered 400 without ever
  selecting the location.
"""

import re

import pytest

from corsgate_testlib import load_vectors, policy_path_name, replay_vectors
from harness import Nginx, Prefix

# Guards against a renamed or truncated vector file silently shrinking the
# replay. 330 of the 340 request cases were replayed when this was written.
MIN_REPLAYED = 320

NGINX_METHOD = re.compile(r"^[A-Z_-]+$")


def nginx_refuses(request):
    """Why nginx itself rejects this request with 400, or None."""
    if not NGINX_METHOD.match(request["method"]):
        return "nginx accepts only A-Z, '_' and '-' in a method"
    for name, value in request["headers"]:
        if any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F for c in name + value):
            return "nginx refuses control bytes in a header line"
    return None


def refusal(request, resp):
    """A request nginx refuses is skipped; the skip must be nginx's doing:
    a 400 from the request parser, before the location (and its X-Cors
    header) was selected."""
    why = nginx_refuses(request)
    if why is None:
        return None
    if resp.status != 400 or resp.all("X-Cors"):
        return why, (
            f"expected nginx to refuse it ({why}), got {resp.status} {resp.headers}"
        )
    return why, None


def header_problem(expect, resp):
    if resp.cors() != expect["headers"]:
        return f"headers {resp.cors()}, expected {expect['headers']}"
    return None


@pytest.fixture(scope="module")
def server():
    policies, _ = load_vectors()
    prefix = Prefix()
    locations = []
    for name, toml in policies.items():
        path = prefix.file(f"policies/{name}.toml", toml)
        locations.append(f"""
        location = /p/{policy_path_name(name)} {{
            cors_policy {path};
            add_header X-Cors "$cors_kind $cors_decision $cors_reason" always;
            return 200 "application\\n";
        }}""")
    body = f"""
    server {{
        listen 127.0.0.1:@PORT@;
        {"".join(locations)}
    }}
"""
    with Nginx(body, prefix=prefix) as n:
        yield n


def test_vectors_through_nginx(server):
    replayed, _, failures = replay_vectors(server, "nginx", refusal, header_problem)
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)
    assert replayed >= MIN_REPLAYED, f"only {replayed} cases replayed"
