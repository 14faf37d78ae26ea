#!/usr/bin/env python3
"""Turns the conformance vectors (tests/vectors/*.json) into a fixture the C
tests can read without a JSON parser.

The fixture is a flat sequence of items. Each item is

    TAG LEN\\n<LEN raw bytes>\\n

where TAG is a short word saying what the bytes are and LEN is decimal.
Counts are items too (their bytes are a decimal number), so the reader
never guesses. Layout (see replay.c, which reads it in this order):

    policies <n>    then n x: name, toml
    cases <n>       then n x: case, policy, forms, head, method,
                    headers <k> then k x (name, value),
                    kind, allowed, reason, status,
                    expect <m> then m x (name, value)
    builds <n>      then n x: build, toml, ok, errors <k> then k x kind

The head is the case's raw head when it has one, otherwise the request
serialised exactly as the Rust runner does (oracle/src/head.rs, `write`):
"METHOD TARGET HTTP/1.1", "Host: api.test", the header lines, an empty
line. Only the Python standard library is used.

Usage: vectors_to_fixture.py VECTORS_DIR OUTPUT_FILE
"""

import json
import sys
from pathlib import Path

POLICIES_FILE = "policies.json"
BUILDS_FILE = "policy_builds.json"
ALL_FORMS = ["head", "list", "view"]


class Writer:
    def __init__(self):
        self.out = bytearray()

    def item(self, tag, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif isinstance(data, bool):
            data = b"true" if data else b"false"
        elif isinstance(data, int):
            data = str(data).encode("ascii")
        self.out += f"{tag} {len(data)}\n".encode("ascii")
        self.out += data
        self.out += b"\n"


def head_of(case):
    if "head" in case:
        return case["head"]
    r = case["request"]
    lines = [f"{r['method']} {r.get('target', '/')} HTTP/1.1", "Host: api.test"]
    lines += [f"{n}: {v}" for n, v in r["headers"]]
    return "\r\n".join(lines) + "\r\n\r\n"


def forms_of(case):
    if "head" in case:
        return ["head"]
    return case.get("forms", ALL_FORMS)


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    vectors = Path(argv[1])
    w = Writer()

    policies = json.loads((vectors / POLICIES_FILE).read_text(encoding="utf-8"))
    w.item("policies", len(policies))
    for name, text in sorted(policies.items()):
        w.item("name", name)
        w.item("toml", text)

    cases = []
    for path in sorted(vectors.glob("*.json")):
        if path.name in (POLICIES_FILE, BUILDS_FILE):
            continue
        cases += json.loads(path.read_text(encoding="utf-8"))["cases"]
    w.item("cases", len(cases))
    for c in cases:
        w.item("case", c["name"])
        w.item("policy", c["policy"])
        w.item("forms", ",".join(forms_of(c)))
        w.item("head", head_of(c))
        request = c.get("request", {"method": "", "headers": []})
        w.item("method", request["method"])
        w.item("headers", len(request["headers"]))
        for name, value in request["headers"]:
            w.item("name", name)
            w.item("value", value)
        e = c["expect"]
        w.item("kind", e["kind"])
        w.item("allowed", e["allowed"])
        w.item("reason", e["reason"])
        w.item("status", e["status"])
        w.item("expect", len(e["headers"]))
        for name, value in e["headers"]:
            w.item("name", name)
            w.item("value", value)

    builds = json.loads((vectors / BUILDS_FILE).read_text(encoding="utf-8"))["builds"]
    w.item("builds", len(builds))
    for b in builds:
        w.item("build", b["name"])
        w.item("toml", b["toml"])
        w.item("ok", bool(b.get("ok", False)))
        errors = sorted(b.get("errors", []))
        w.item("errors", len(errors))
        for kind in errors:
            w.item("kind", kind)

    Path(argv[2]).write_bytes(bytes(w.out))
    print(
        f"{argv[2]}: {len(policies)} policies, {len(cases)} cases, {len(builds)} builds"
    )


if __name__ == "__main__":
    main(sys.argv)
