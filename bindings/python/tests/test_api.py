"""The Python API: construction, evaluation and every error path."""

from __future__ import annotations

import gc
import inspect

import pytest

import corsgate

PREFLIGHT = [
    ("Origin", "https://app.example.com"),
    ("Access-Control-Request-Method", "PUT"),
    ("Access-Control-Request-Headers", "content-type,x-request-id"),
]


def test_keywords_build_the_same_policy_as_toml(app_policy: corsgate.Policy) -> None:
    from_toml = corsgate.Policy.from_toml("""
        origins = ["https://app.example.com", "https://*.example.com"]
        methods = ["GET", "POST", "PUT", "DELETE"]
        request_headers = ["content-type", "authorization", "x-request-id"]
        expose_headers = ["x-request-id"]
        credentials = true
        max_age = 600
        """)
    for method, headers in [
        ("OPTIONS", PREFLIGHT),
        ("GET", [("Origin", "https://a.b.example.com")]),
        ("GET", [("Origin", "https://evil.test")]),
        ("GET", []),
    ]:
        assert app_policy.evaluate(method, headers) == from_toml.evaluate(
            method, headers
        )


def test_preflight_decision(app_policy: corsgate.Policy) -> None:
    d = app_policy.evaluate("OPTIONS", PREFLIGHT)
    assert (d.kind, d.allowed, d.reason, d.status) == ("preflight", True, "ok", 204)
    assert d.headers == [
        ("Access-Control-Allow-Origin", "https://app.example.com"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "PUT"),
        ("Access-Control-Allow-Headers", "content-type,x-request-id"),
        ("Access-Control-Max-Age", "600"),
        (
            "Vary",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ),
    ]
    assert d.header("access-control-allow-origin") == "https://app.example.com"
    assert d.header("x-missing") is None
    assert "preflight" in repr(d)


def test_names_match_case_insensitively_in_any_type(
    app_policy: corsgate.Policy,
) -> None:
    expected = app_policy.evaluate("OPTIONS", PREFLIGHT)
    variants = [
        [(n.upper(), v) for n, v in PREFLIGHT],
        [(n.lower().encode(), v.encode()) for n, v in PREFLIGHT],
        [(n.encode(), v) for n, v in PREFLIGHT],
        iter(PREFLIGHT),
        tuple(PREFLIGHT),
        [("Accept", "*/*"), ("X-Other", "1")] + PREFLIGHT + [("Host", "x")],
    ]
    for headers in variants:
        assert app_policy.evaluate(b"OPTIONS", headers) == expected


def test_non_ascii_lookalike_names_are_not_cors_fields(
    app_policy: corsgate.Policy,
) -> None:
    # "\u212a" (KELVIN SIGN) lower-cases to "k" in Python, never in HTTP.
    name = "Access-Control-Request-Private-Networ\u212a"
    d = app_policy.evaluate("OPTIONS", PREFLIGHT + [(name, "true")])
    assert d.allowed and d.reason == "ok"


def test_evaluate_head(app_policy: corsgate.Policy) -> None:
    head = (
        b"OPTIONS /api HTTP/1.1\r\nHost: api.example.com\r\n"
        b"Origin: https://app.example.com\r\n"
        b"Access-Control-Request-Method: PUT\r\n"
        b"Access-Control-Request-Headers: content-type,x-request-id\r\n\r\n"
    )
    assert app_policy.evaluate_head(head) == app_policy.evaluate("OPTIONS", PREFLIGHT)
    assert app_policy.evaluate_head(bytearray(head)).allowed
    assert app_policy.evaluate_head(memoryview(head)).allowed
    d = app_policy.evaluate_head(
        b"GET / HTTP/1.1\r\nOrigin: https://app.example.com\r\n"
    )
    assert (d.kind, d.reason, d.status) == ("not_cors", "malformed_request", 400)


def test_decisions_outlive_their_policy_and_input() -> None:
    policy = corsgate.Policy(
        origins=["https://app.example.com"], methods=["PUT"], max_age=5
    )
    origin = bytearray(b"https://app.example.com")
    d = policy.evaluate(
        "OPTIONS", [(b"origin", origin), (b"access-control-request-method", b"PUT")]
    )
    origin[:] = b"https://evil.example.com"
    del policy, origin
    gc.collect()
    assert d.header("Access-Control-Allow-Origin") == "https://app.example.com"
    assert d.header("Access-Control-Max-Age") == "5"


def test_report_only_and_forward() -> None:
    report = corsgate.Policy(origins=["https://a.example"], mode="report-only")
    d = report.evaluate("GET", [("Origin", "https://evil.example")])
    assert (d.kind, d.allowed, d.reason, d.status, d.headers) == (
        "actual",
        False,
        "origin_not_allowed",
        0,
        [],
    )
    forward = corsgate.Policy(origins=["https://a.example"], denied_preflight="forward")
    d = forward.evaluate(
        "OPTIONS",
        [("Origin", "https://b.example"), ("Access-Control-Request-Method", "PUT")],
    )
    assert (d.kind, d.allowed, d.status) == ("preflight", False, 0)


# -- construction errors ----------------------------------------------------


def test_unknown_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        corsgate.Policy(origins=["https://a.example"], allow_origins=["x"])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="positional"):
        corsgate.Policy(["https://a.example"])  # type: ignore[misc]


def test_policy_keys_are_the_keywords() -> None:
    """POLICY_KEYS is the one list of keywords: every key is accepted (None
    leaves the default), and the TypeError for another one lists them."""
    assert corsgate.POLICY_KEYS[0] == "origins"
    assert len(set(corsgate.POLICY_KEYS)) == len(corsgate.POLICY_KEYS)
    keys: dict = dict.fromkeys(corsgate.POLICY_KEYS)
    keys["origins"] = ["https://a.example"]
    assert corsgate.Policy(**keys).evaluate("GET", []).kind == "not_cors"
    with pytest.raises(TypeError) as info:
        corsgate.Policy(origins=["https://a.example"], origin=["x"])
    assert "'origin'" in str(info.value)
    assert ", ".join(corsgate.POLICY_KEYS) in str(info.value)
    signature = inspect.signature(corsgate.Policy)
    assert tuple(signature.parameters) == corsgate.POLICY_KEYS


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origins": "https://a.example"},
        {"origins": b"https://a.example"},
        {"origins": ["https://a.example", 1]},
        {"origins": 5},
        {"methods": [b"GET"]},
        {"credentials": "yes"},
        {"credentials": 1},
        {"max_age": "600"},
        {"max_age": 6.0},
        {"max_age": True},
        {"preflight_status": "204"},
        {"mode": 1},
        {"denied_preflight": b"reject"},
        {"dangerously_allow_null_origin": None or 0},
    ],
)
def test_wrong_types_are_type_errors(kwargs: dict) -> None:
    kwargs.setdefault("origins", ["https://a.example"])
    with pytest.raises(TypeError):
        corsgate.Policy(**kwargs)


def test_every_build_error_is_reported_at_once() -> None:
    with pytest.raises(corsgate.PolicyError) as info:
        corsgate.Policy(
            origins=["*", "http://plain.example", "https://UPPER.example"],
            methods=["CONNECT"],
            expose_headers=["set-cookie"],
            credentials=True,
            max_age=10**30,
            preflight_status=201,
            mode="loud",
            denied_preflight="drop",
        )
    kinds = info.value.kinds()
    for kind in [
        "wildcard_with_credentials",
        "insecure_origin",
        "uppercase_origin",
        "forbidden_method",
        "forbidden_exposed_header",
        "max_age_out_of_range",
        "invalid_preflight_status",
        "invalid_value",
    ]:
        assert kind in kinds
    assert kinds.count("invalid_value") == 2
    assert isinstance(info.value, ValueError)
    by_kind = {e.kind: e for e in info.value.errors}
    assert by_kind["insecure_origin"].value == "http://plain.example"
    assert "http://plain.example" in str(info.value) or "insecure" in str(info.value)


def test_empty_policy_is_refused() -> None:
    with pytest.raises(corsgate.PolicyError) as info:
        corsgate.Policy()
    assert info.value.kinds() == ("no_origins",)


def test_toml_errors(tmp_path) -> None:
    with pytest.raises(corsgate.PolicyError) as info:
        corsgate.Policy.from_toml("origins = [")
    assert info.value.kinds() == ("toml_syntax",)
    with pytest.raises(corsgate.PolicyError) as info:
        corsgate.Policy.from_toml(b"origins = ['https://a.example']\n\xff")
    assert info.value.kinds() == ("toml_syntax",)
    with pytest.raises(corsgate.PolicyError) as info:
        corsgate.Policy.from_toml("origins = ['https://a.example']\nbogus = 1\n")
    assert info.value.kinds() == ("unknown_key",)
    with pytest.raises(TypeError):
        corsgate.Policy.from_toml(42)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        corsgate.Policy.from_file(tmp_path / "missing.toml")
    path = tmp_path / "cors.toml"
    path.write_text('origins = ["https://a.example"]\n')
    assert (
        corsgate.Policy.from_file(path)
        .evaluate("GET", [("Origin", "https://a.example")])
        .allowed
    )
    assert corsgate.Policy.from_file(str(path)).evaluate("GET", []).kind == "not_cors"


# -- evaluation errors ------------------------------------------------------


def test_evaluate_head_needs_bytes(app_policy: corsgate.Policy) -> None:
    with pytest.raises(TypeError, match="str"):
        app_policy.evaluate_head("GET / HTTP/1.1\r\n\r\n")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        app_policy.evaluate_head(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        app_policy.evaluate_head([b"GET"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "method, headers",
    [
        (None, []),
        (5, []),
        ("GET", 5),
        ("GET", None),
        ("GET", [("Origin",)]),
        ("GET", [("Origin", "https://a.example", "extra")]),
        ("GET", [("Origin", 5)]),
        ("GET", [("Origin", None)]),
        ("GET", [(5, "x")]),
        ("GET", [None]),
    ],
)
def test_evaluate_wrong_types(app_policy: corsgate.Policy, method, headers) -> None:
    with pytest.raises(TypeError):
        app_policy.evaluate(method, headers)


def test_huge_inputs_are_bounded_decisions(app_policy: corsgate.Policy) -> None:
    huge = b"GET / HTTP/1.1\r\nX-Fill: " + b"a" * (8 << 20) + b"\r\n\r\n"
    d = app_policy.evaluate_head(huge)
    assert (d.reason, d.status) == ("request_too_large", 431)
    d = app_policy.evaluate(
        "GET", [("Origin", "https://" + "a" * (1 << 20) + ".example.com")]
    )
    assert (d.allowed, d.reason) == (False, "invalid_origin")
    tokens = ",".join(["content-type"] * 10_000)
    d = app_policy.evaluate(
        "OPTIONS",
        [
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", tokens),
        ],
    )
    assert (d.allowed, d.reason, d.status) == (False, "header_not_allowed", 403)
    many = [("X-Filler-%d" % i, "v") for i in range(100_000)]
    d = app_policy.evaluate("GET", many + [("Origin", "https://app.example.com")])
    assert d.allowed
    lines = [("Access-Control-Request-Headers", "content-type")] * 10_000
    d = app_policy.evaluate(
        "OPTIONS",
        [
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "PUT"),
        ]
        + lines,
    )
    assert (d.allowed, d.reason) == (False, "header_not_allowed")


def test_huge_policy_builds() -> None:
    origins = [f"https://app{i}.customer{i}.example.net" for i in range(5000)]
    policy = corsgate.Policy(origins=origins)
    assert policy.evaluate("GET", [("Origin", origins[-1])]).allowed
    assert not policy.evaluate(
        "GET", [("Origin", "https://app1.customer2.example.net")]
    ).allowed
