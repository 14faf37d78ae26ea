"""`nginx -t` refuses invalid policies with the engine's messages and the
file and line of the directive."""

import pytest

from harness import Prefix, main_conf, nginx_test


def check(server_body, files=None):
    prefix = Prefix()
    try:
        for name, text in (files or {}).items():
            prefix.file(name, text)
        body = "    server {\n        listen 127.0.0.1:1;\n" + server_body + "\n    }\n"
        conf = prefix.file(
            "nginx.conf", main_conf(prefix.path, body.replace("@PREFIX@", prefix.path))
        )
        code, out = nginx_test(conf, prefix.path)
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        return code, out, conf, text
    finally:
        prefix.remove()


def line_of(text, marker):
    """The 1-based line of the first line of `text` containing `marker`."""
    return 1 + next(i for i, line in enumerate(text.split("\n")) if marker in line)


def test_valid_configuration_passes():
    code, out, _, _ = check("        cors_allow_origins https://app.example.com;")
    assert code == 0, out


@pytest.mark.parametrize(
    "directives, kind, value",
    [
        (
            "cors_allow_origins HTTPS://App.Example.com;",
            "uppercase_origin",
            "HTTPS://App.Example.com",
        ),
        (
            "cors_allow_origins *; cors_allow_credentials on;",
            "wildcard_with_credentials",
            "*",
        ),
        (
            "cors_allow_origins https://a.example:443;",
            "default_port",
            "https://a.example:443",
        ),
        (
            "cors_allow_origins https://a.example; cors_allow_methods TRACE;",
            "forbidden_method",
            "TRACE",
        ),
        (
            "cors_allow_origins https://a.example; cors_max_age 2d;",
            "max_age_out_of_range",
            "172800",
        ),
        (
            "cors_allow_origins https://a.example; cors_preflight_status 201;",
            "invalid_preflight_status",
            "201",
        ),
        ("cors_allow_methods PUT;", "no_origins", ""),
    ],
)
def test_inline_policy_errors(directives, kind, value):
    body = (
        "        location /x/ {\n            return 200;\n            "
        + directives
        + "\n        }"
    )
    code, out, conf, text = check(body)
    assert code != 0
    # the engine's kind and value, at the line of the policy's directives
    assert f"cors policy (inline): {kind}:" in out, out
    assert f'("{value}")' in out, out
    assert f"in {conf}:{line_of(text, directives)}" in out, out


def test_policy_file_errors_are_all_reported():
    files = {
        "bad.toml": 'origins = ["http://app.example.com", "https://*.com"]\ncredentials = true\ncolour = "blue"\n'
    }
    code, out, conf, text = check("        cors_policy @PREFIX@/bad.toml;", files)
    assert code != 0
    assert out.count(": cors policy ") == 3, out
    for kind in ("unknown_key", "insecure_origin", "public_suffix_wildcard"):
        assert f"bad.toml: {kind}:" in out, out


def test_missing_policy_file():
    code, out, conf, text = check("        cors_policy @PREFIX@/nope.toml;")
    assert code != 0
    assert "nope.toml" in out and "failed" in out, out
    assert f"in {conf}:{line_of(text, 'cors_policy')}" in out, out


def test_cors_on_without_policy():
    code, out, conf, text = check("        location / { cors on; }")
    assert code != 0
    assert '"cors on" without a policy' in out, out
    assert f"in {conf}:{line_of(text, 'cors on')}" in out, out


def test_file_and_inline_at_one_level():
    files = {"ok.toml": 'origins = ["https://a.example"]\n'}
    code, out, _, _ = check(
        "        cors_policy @PREFIX@/ok.toml;\n        cors_allow_methods PUT;", files
    )
    assert code != 0 and "cannot be combined" in out, out


def test_duplicate_setting():
    code, out, _, _ = check(
        "        cors_allow_origins https://a.example;\n        cors_max_age 10;\n        cors_max_age 20;"
    )
    assert code != 0 and '"cors_max_age" directive is duplicate' in out, out


def test_bad_enum_value():
    code, out, _, _ = check(
        "        cors_allow_origins https://a.example;\n        cors_mode audit;"
    )
    assert code != 0 and 'invalid value "audit"' in out, out
