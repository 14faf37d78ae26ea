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

import json
import os
import re

import pytest

from harness import REPO, Nginx

VECTORS = os.path.join(REPO, "tests", "vectors")

# Guards against a renamed or truncated vector file silently shrinking the
# replay. 330 of the 340 request cases were replayed when this was written.
MIN_REPLAYED = 320

NGINX_METHOD = re.compile(r"^[A-Z_-]+$")


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
    """Why this request cannot be sent to nginx as it stands, or None."""
    for name, value in request["headers"]:
        if "\r" in value or "\n" in value:
            # nginx ends a field line at LF (and at CR LF): it would parse
            # these bytes as two lines, a different request from the case's.
            return "a value holding CR or LF ends the field line in nginx's parser"
    return None


def nginx_refuses(request):
    """Why nginx itself rejects this request with 400, or None."""
    if not NGINX_METHOD.match(request["method"]):
        return "nginx accepts only A-Z, '_' and '-' in a method"
    for name, value in request["headers"]:
        if any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F for c in name + value):
            return "nginx refuses control bytes in a header line"
    return None


def location_name(policy):
    return re.sub(r"[^A-Za-z0-9_]", "_", policy)


@pytest.fixture(scope="module")
def server():
    policies, _ = load()
    from harness import Prefix

    prefix = Prefix()
    locations = []
    for name, toml in policies.items():
        path = prefix.file(f"policies/{name}.toml", toml)
        locations.append(f"""
        location = /p/{location_name(name)} {{
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


def expected_decision(expect):
    if expect["kind"] == "not_cors":
        verdict = "not_cors"
    else:
        verdict = "allowed" if expect["allowed"] else "denied"
    return f'{expect["kind"]} {verdict} {expect["reason"]}'


def test_vectors_through_nginx(server):
    _, cases = load()
    replayed, skipped, failures = 0, {}, []

    for case in cases:
        if "head" in case:
            skipped.setdefault(
                "raw head (corsgate's scanner, not nginx's parser)", []
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
            f"/p/{location_name(case['policy'])}",
            [(n, v) for n, v in req["headers"]],
            host=not has_host,
        )
        why = nginx_refuses(req)
        if why is not None:
            # The skip must be nginx's doing: a 400 from the request parser,
            # before the location (and its X-Cors header) was selected.
            if resp.status != 400 or resp.all("X-Cors"):
                failures.append(
                    f"{case['file']}: {case['name']}: expected nginx to refuse it "
                    f"({why}), got {resp.status} {resp.headers}"
                )
            skipped.setdefault(why, []).append(case["name"])
            continue

        replayed += 1
        expect = case["expect"]
        want_status = expect["status"] or 200
        problems = []
        if resp.status != want_status:
            problems.append(f"status {resp.status}, expected {want_status}")
        if resp.cors() != expect["headers"]:
            problems.append(f"headers {resp.cors()}, expected {expect['headers']}")
        got = resp.get("X-Cors")
        if got != expected_decision(expect):
            problems.append(
                f"variables {got!r}, expected {expected_decision(expect)!r}"
            )
        if problems:
            failures.append(f"{case['file']}: {case['name']}: " + "; ".join(problems))

    report = "\n".join(f"  skipped {len(v)}: {k}" for k, v in skipped.items())
    print(f"\nreplayed {replayed} vector cases through nginx\n{report}")
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)
    assert replayed >= MIN_REPLAYED, f"only {replayed} cases replayed"
