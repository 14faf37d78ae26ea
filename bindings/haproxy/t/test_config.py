"""Configuration errors surface at `haproxy -c` (and so at start-up), with
the engine's own messages: a refused policy names its file, every error
kind, the offending key or value and the explanation."""

import os
import subprocess

from harness import (
    CORS_RULES,
    HAPROXY,
    HERE,
    MODULE_DIR,
    Dir,
    global_section,
    haproxy_check,
)

FRONTEND = """
frontend fe
    bind 127.0.0.1:1
    http-request lua.corsgate api
    http-request return status 200 content-type text/plain string ok
"""

BAD = """origins = ["http://app.example.com", "https://*.com"]
credentials = true
max_age = 100000
colour = "blue"
"""


def check(config):
    d = Dir()
    try:
        return haproxy_check(d.file("haproxy.cfg", config.replace("@DIR@", d.path)))
    finally:
        d.remove()


def test_good_policy_passes_check_and_reports_its_version():
    d = Dir()
    try:
        path = d.file("api.toml", 'origins = ["https://app.example.com"]\n')
        code, out = haproxy_check(
            d.file("haproxy.cfg", global_section({"api": path}) + FRONTEND)
        )
    finally:
        d.remove()
    assert code == 0, out
    assert "corsgate 0.1.0: policies api loaded" in out


def test_refused_policy_fails_check_with_every_engine_error():
    d = Dir()
    try:
        good = d.file("ok.toml", 'origins = ["https://app.example.com"]\n')
        bad = d.file("api.toml", BAD)
        code, out = haproxy_check(
            d.file("haproxy.cfg", global_section({"ok": good, "api": bad}) + FRONTEND)
        )
    finally:
        d.remove()
    assert code != 0
    assert "corsgate: 4 problem(s) in the policies" in out
    where = f'policy "api" in {bad}'
    for expected in (
        f'{where}: unknown_key (colour): unknown key "colour"',
        f"{where}: insecure_origin (http://app.example.com): origin "
        '"http://app.example.com" is not https and not loopback',
        f"{where}: public_suffix_wildcard (https://*.com):",
        f"{where}: max_age_out_of_range",
    ):
        assert expected in out, out


def test_refused_policy_stops_start_up():
    d = Dir()
    try:
        bad = d.file("api.toml", BAD)
        conf = d.file("haproxy.cfg", global_section({"api": bad}) + FRONTEND)
        p = subprocess.run(
            [HAPROXY, "-db", "-f", conf],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=30,
            check=False,
        )
    finally:
        d.remove()
    assert p.returncode != 0
    assert b"insecure_origin" in p.stdout


def test_missing_policy_file_is_named():
    code, out = check(global_section({"api": "@DIR@/nowhere.toml"}) + FRONTEND)
    assert code != 0
    assert 'policy "api":' in out and "nowhere.toml" in out, out


def test_toml_syntax_error_is_reported():
    d = Dir()
    try:
        path = d.file("api.toml", 'origins = ["https://a.example"\n')
        code, out = haproxy_check(
            d.file("haproxy.cfg", global_section({"api": path}) + FRONTEND)
        )
    finally:
        d.remove()
    assert code != 0
    assert f'policy "api" in {path}: toml_syntax' in out, out


def test_no_policies_named():
    config = f"""global
    lua-prepend-path {MODULE_DIR}/?.so cpath
    lua-load {MODULE_DIR}/corsgate.lua
defaults
    mode http
{FRONTEND}"""
    code, out = check(config)
    assert code != 0
    assert "corsgate: no policies: put `setenv CORSGATE_POLICIES" in out, out


def test_malformed_and_duplicate_policy_entries():
    config = global_section({"api": "@DIR@/a.toml", "bad name": "x"})
    config = config.replace(
        "setenv CORSGATE_POLICIES ",
        "setenv CORSGATE_POLICIES api=@DIR@/b.toml,nopath=,",
    )
    code, out = check(config + FRONTEND)
    assert code != 0
    assert 'CORSGATE_POLICIES entry "nopath="' in out, out
    assert 'CORSGATE_POLICIES names policy "api" twice' in out, out


def test_module_not_on_the_c_path():
    d = Dir()
    try:
        path = d.file("api.toml", 'origins = ["https://app.example.com"]\n')
        config = global_section({"api": path}).replace(
            f"lua-prepend-path {MODULE_DIR}/?.so cpath", ""
        )
        code, out = haproxy_check(d.file("haproxy.cfg", config + FRONTEND))
    finally:
        d.remove()
    assert code != 0
    assert "corsgate.so is not on Lua's C path" in out, out


def test_action_without_a_policy_name_fails_check():
    d = Dir()
    try:
        path = d.file("api.toml", 'origins = ["https://app.example.com"]\n')
        frontend = FRONTEND.replace("lua.corsgate api", "lua.corsgate")
        code, out = haproxy_check(
            d.file("haproxy.cfg", global_section({"api": path}) + frontend)
        )
    finally:
        d.remove()
    assert code != 0
    assert "'http-request lua.corsgate' rule : expect 1 arguments" in out, out


def test_readme_holds_the_rules_the_tests_run():
    """The README's configuration block is the one the tests run: a line
    changed in one place and not the other fails here."""
    readme = os.path.join(os.path.dirname(HERE), "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    lines = [line for line in CORS_RULES.splitlines() if line.strip()]
    assert len(lines) == 8
    for line in lines:
        assert line + "\n" in text, f"README.md lacks:\n{line}"
