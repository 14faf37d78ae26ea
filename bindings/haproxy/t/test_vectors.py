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

import json
import os
import re

import pytest

from harness import (
    DECISION_RULE,
    REPO,
    CORS_RULES,
    Dir,
    Haproxy,
    global_section,
)

VECTORS = os.path.join(REPO, "tests", "vectors")

# Guards against a renamed or truncated vector file silently shrinking the
# replay (see the count printed by the test).
MIN_REPLAYED = 320


def load():
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


def unrepresentable(request):
    """Why this request cannot be sent to HAProxy as it stands, or None."""
    for _, value in request["headers"]:
        if "\r" in value or "\n" in value:
            return "a value holding CR or LF ends the field line in HAProxy's parser"
    return None


def path_name(policy):
    return re.sub(r"[^A-Za-z0-9_]", "_", policy)


@pytest.fixture(scope="module")
def server():
    policies, _ = load()
    directory = Dir()
    paths = {
        name: directory.file(f"policies/{name}.toml", toml)
        for name, toml in policies.items()
    }
    rules = "".join(
        f"    http-request lua.corsgate {name} if {{ path /p/{path_name(name)} }}\n"
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


def expected_decision(expect):
    if expect["kind"] == "not_cors":
        verdict = "not_cors"
    else:
        verdict = "allowed" if expect["allowed"] else "denied"
    return f'{expect["kind"]} {verdict} {expect["reason"]}'


def lower(headers):
    return [[n.lower(), v] for n, v in headers]


def test_vectors_through_haproxy(server):
    _, cases = load()
    replayed, skipped, failures = 0, {}, []

    for case in cases:
        if "head" in case:
            skipped.setdefault(
                "raw head (corsgate's scanner, not HAProxy's parser)", []
            ).append(case["name"])
            continue
        if case.get("forms") is not None and "view" not in case["forms"]:
            skipped.setdefault("not a view-form case", []).append(case["name"])
            continue

        req = case["request"]
        why = unrepresentable(req)
        if why is not None:
            skipped.setdefault(why, []).append(case["name"])
            continue

        has_host = any(n.lower() == "host" for n, _ in req["headers"])
        resp = server.request(
            req["method"],
            f"/p/{path_name(case['policy'])}",
            [(n, v) for n, v in req["headers"]],
            host=not has_host,
        )
        if resp.status == 400 and not resp.all("X-Cors"):
            # HAProxy's own parser refused the request: no rule ran.
            skipped.setdefault("refused by HAProxy's request parser (400)", []).append(
                case["name"]
            )
            continue

        replayed += 1
        expect = case["expect"]
        want_status = expect["status"] or 200
        want = lower(expect["headers"])
        got = resp.cors()
        problems = []
        if resp.status != want_status:
            problems.append(f"status {resp.status}, expected {want_status}")
        if expect["status"]:
            # answered by the module: order across names is HAProxy's
            if sorted(got) != sorted(want):
                problems.append(f"headers {got}, expected (any order) {want}")
        elif got != want:
            problems.append(f"headers {got}, expected {want}")
        decision = resp.get("X-Cors")
        if decision != expected_decision(expect):
            problems.append(
                f"variables {decision!r}, expected {expected_decision(expect)!r}"
            )
        if problems:
            failures.append(f"{case['file']}: {case['name']}: " + "; ".join(problems))

    report = "\n".join(f"  skipped {len(v)}: {k}: {v}" for k, v in skipped.items())
    print(f"\nreplayed {replayed} vector cases through haproxy\n{report}")
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)
    assert replayed >= MIN_REPLAYED, f"only {replayed} cases replayed"
