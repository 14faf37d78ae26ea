#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets into a directory per target.

Sources: the conformance vectors (tests/vectors/*.json: every request as a
raw head, every policy and policy build as a TOML file), the corpus heads
of the performance notes (Chrome and Firefox preflights, a credentialed
GET), and the inputs of the attack catalogue (hostile heads H-01..H-12,
origin near-misses O-01..O-20, invalid policies).

    scripts/fuzz/seeds.py OUT_DIR

writes OUT_DIR/head/* and OUT_DIR/policy_toml/*, named by content hash.
scripts/fuzz/run.sh merges them into fuzz/corpus/ (keeping only inputs
that add coverage) when asked to refresh the corpus.
"""

import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The browser captures, one copy each in examples/ (CRLF line ends).
H1 = (ROOT / "examples" / "chrome-preflight.http").read_bytes().decode()
H2 = (
    "OPTIONS /api/v1/items HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; "
    "rv:125.0) Gecko/20100101 Firefox/125.0\r\nAccept: */*\r\nAccept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\nAccess-Control-Request-Method: POST\r\n"
    "Access-Control-Request-Headers: authorization,content-type\r\nReferer: https://app.example.com/\r\n"
    "Origin: https://app.example.com\r\nConnection: keep-alive\r\nSec-Fetch-Dest: empty\r\n"
    "Sec-Fetch-Mode: cors\r\nSec-Fetch-Site: same-site\r\nPriority: u=4\r\nPragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n\r\n"
)
H3 = (ROOT / "examples" / "chrome-get.http").read_bytes().decode()

# attacks.md A1: origins that must not match what they resemble.
ATTACK_ORIGINS = [
    "https://evil.example.net",
    "https://evilexample.com",
    "https://example.com.evil.net",
    "https://example.com-evil.net",
    "https://wwwxexample.com",
    "https://barfoo.com",
    "https://a.example.com",
    "https://a.b.example.com",
    "https://example.com",
    "http://a.example.com",
    "https://a.example.com:8443",
    "https://.example.com",
    "http://example.com",
    "https://example.com:443",
    "null",
    "https://EXAMPLE.com",
    "HTTPS://example.com",
    "https://exa mple.com",
    "https://example.com, https://evil.net",
    "https://b\u00fccher.example",
    "https://xn--bcher-kva.example",
    "https://example.com_.evil.net",
    "https://example.com`.evil.net",
    "https://example.com%60.evil.net",
    "https://a.example.com.$.evil.net",
    "https://example.com@evil.net",
    "https://example.com/",
    "http://127.1:8080",
    "http://0x7f.0.0.1:8080",
    "http://2130706433:8080",
    "http://[0:0:0:0:0:0:0:1]:9090",
    "http://[::1]:9090",
    "http://localhost.evil.com",
    "http://localhost:3000",
    "",
    "https://" + "a" * 250 + ".example.com",
]

# attacks.md A6: hostile heads.
HOSTILE_HEADS = [
    "GET / HTTP/1.1\r\nOrigin: https://example.com\rSet-Cookie: a=b\r\n\r\n",
    "GET / HTTP/1.1\r\nOrigin: https://example.com\nSet-Cookie: a=b\r\n\r\n",
    "GET / HTTP/1.1\r\nOrigin: https://example.com\x00.evil.net\r\n\r\n",
    "GET / HTTP/1.1\r\nOrigin: https://example.com\r\n .evil.net\r\n\r\n",
    "GET / HTTP/1.1\r\nOrigin : https://evil.net\r\n\r\n",
    "GET / HTTP/1.1\r\noRiGiN: https://app.example.com\r\n\r\n",
    "GET / HTTP/1.1\r\nOrigin: https://app.example.com\r\nOrigin: https://evil.net\r\n\r\n",
    "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\n"
    "Access-Control-Request-Method: DELETE\r\n\r\n",
    "GET / HTTP/1.1\r\nOrigin: https://\xc3\xa4.example.com\r\n\r\n",
    "GET / HTTP/1.1\r\nOrigin: https://app.example.com\r\n",
    "GET / HTTP/1.1\nOrigin: https://app.example.com\n\n",
    "GET / HTTP/1.1\r\nBad Line\r\nOrigin: https://app.example.com\r\n\r\n",
    "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\n"
    "Access-Control-Request-Headers: " + "," * 40 + "\r\n\r\n",
    "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\n"
    "Access-Control-Request-Headers: accept," + " " * 40 + "content-type\r\n\r\n",
    "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\n"
    "Access-Control-Request-Headers: x-a\r\nAccess-Control-Request-Headers: x-b\r\n"
    "Access-Control-Request-Private-Network: true\r\n\r\n",
    "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\n\r\n",
    "GET / HTTP/1.1\r\nAccess-Control-Request-Method: PUT\r\nOrigin: null\r\n\r\n",
]

INVALID_POLICIES = [
    "",
    "origins = []\n",
    'origins = ["*"]\ncredentials = true\n',
    'origins = ["null"]\n',
    'origins = ["http://example.com"]\ncredentials = true\n',
    'origins = ["https://*.com"]\ncredentials = true\n',
    'origins = ["h*", "https://*", "https://example.*", "https://foo.*.example.com", "https://example.com/*"]\n',
    'origins = ["https://example.com:443", "https://Example.com", "https://user@example.com"]\n',
    'origins = ["https://a.example"]\nmethods = ["CONNECT", "TRACE", "a b"]\n',
    'origins = ["https://a.example"]\nrequest_headers = ["cookie", "sec-x", "a:b"]\n',
    'origins = ["https://a.example"]\nexpose_headers = ["set-cookie", "*"]\ncredentials = true\n',
    'origins = ["https://a.example"]\nmax_age = 86401\npreflight_status = 201\n',
    'origins = ["https://a.example"]\nmode = "on"\ndenied_preflight = "drop"\norigin = "x"\n',
    'origins = "https://a.example"\ncredentials = "yes"\nmax_age = 1.5\n',
    "origins = [\n",
    'origins = ["https://xn--f"]\n',
]


def head(method, target, headers):
    lines = [f"{method} {target} HTTP/1.1"] + [f"{n}: {v}" for n, v in headers]
    return "\r\n".join(lines) + "\r\n\r\n"


def write(out, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    out = pathlib.Path(sys.argv[1])
    heads = [
        H1,
        H2,
        H3,
        H3.replace("Origin: https://app.example.com\r\n", ""),
    ] + HOSTILE_HEADS
    for o in ATTACK_ORIGINS:
        heads.append(head("GET", "/", [("Origin", o)]))
        heads.append(
            head(
                "OPTIONS",
                "/",
                [("Origin", o), ("Access-Control-Request-Method", "PUT")],
            )
        )
    policies = list(INVALID_POLICIES)
    for f in sorted((ROOT / "tests" / "vectors").glob("*.json")):
        doc = json.loads(f.read_text())
        for case in doc.get("cases", []):
            if "head" in case:
                heads.append(case["head"])
            else:
                r = case["request"]
                heads.append(head(r["method"], r.get("target", "/"), r["headers"]))
        for b in doc.get("builds", []):
            policies.append(b["toml"])
        if f.name == "policies.json":
            policies.extend(doc.values())
    for h in heads:
        write(out / "head", h)
    for p in policies:
        write(out / "policy_toml", p)


if __name__ == "__main__":
    main()
