"""The core's conformance vectors (tests/vectors/*.json) replayed through
HAProxy over the wire: every case whose forms include "view" (the form the
Lua module uses) is sent to a path whose `http-request lua.corsgate` rule
names the case's policy, and the status, the CORS headers and
txn.cors_kind / txn.cors_decision / txn.cors_reason are compared.

Header names are compared in lower case (HAProxy writes them so). The
order of the headers is compared exactly on responses that go through the
`http-after-response` rules; on a preflight that the module answers itself
it is compared as a multiset, because HAProxy 2.6 builds a Lua reply's
header block by walking a Lua hash table (the order of fields with
different names carries no meaning in HTTP, RFC 9110 5.3).

Skipped, with the reason checked against HAProxy's actual answer:

* raw-head cases (`head`): they exercise corsgate's own HTTP/1.x scanner,
  which HAProxy does not use (HAProxy parses requests itself);
* cases with CR or LF inside a field value: HAProxy ends a field line
  there, so the bytes would be a different request;
* cases HAProxy refuses before any rule runs (a method or a header value
  that its parser rejects): the test asserts that HAProxy really answered
  400 without running the rule.
"""

import pytest

from corsgate_testlib import load_vectors, policy_path_name, replay_vectors
from harness import (
    DECISION_RULE,
    CORS_RULES,
    Dir,
    Haproxy,
    global_section,
)

# Guards against a renamed or truncated vector file silently shrinking the
# replay (see the count printed by the test).
MIN_REPLAYED = 320


def refusal(request, resp):
    if resp.status == 400 and not resp.all("X-Cors"):
        # HAProxy's own parser refused the request: no rule ran.
        return "refused by HAProxy's request parser (400)", None
    return None


def lower(headers):
    return [[n.lower(), v] for n, v in headers]


def header_problem(expect, resp):
    want = lower(expect["headers"])
    got = resp.cors()
    if expect["status"]:
        # answered by the module: order across names is HAProxy's
        if sorted(got) != sorted(want):
            return f"headers {got}, expected (any order) {want}"
    elif got != want:
        return f"headers {got}, expected {want}"
    return None


@pytest.fixture(scope="module")
def server():
    policies, _ = load_vectors()
    directory = Dir()
    paths = {
        name: directory.file(f"policies/{name}.toml", toml)
        for name, toml in policies.items()
    }
    rules = "".join(
        f"    http-request lua.corsgate {name} if {{ path /p/{policy_path_name(name)} }}\n"
        for name in policies
    )
    config = global_section(paths) + f"""
frontend fe
    bind 127.0.0.1:@PORT@
{rules}{CORS_RULES}{DECISION_RULE}
    http-request return status 200 content-type text/plain string application
"""
    with Haproxy(config, directory=directory) as h:
        yield h


def test_vectors_through_haproxy(server):
    replayed, _, failures = replay_vectors(
        server, "HAProxy", refusal, header_problem, list_skipped=True
    )
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)
    assert replayed >= MIN_REPLAYED, f"only {replayed} cases replayed"
