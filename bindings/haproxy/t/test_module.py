"""corsgate.so on its own, in the standalone Lua 5.3 interpreter (which
exports the same lua_* functions haproxy's Lua does), under valgrind's
memcheck when it is installed: the module's functions, its error paths,
and no invalid access or leak (a policy is freed by its __gc when the
interpreter closes its state)."""

import os
import shutil
import subprocess

import pytest

from harness import MODULE_DIR

LUA = shutil.which("lua5.3")

SCRIPT = r"""
package.cpath = MODULE_DIR .. "/?.so;" .. package.cpath
local c = package.loadlib(package.searchpath("corsgate", package.cpath), "luaopen_corsgate")()
local function check(cond, what)
    if not cond then
        error("check failed: " .. what, 2)
    end
end

check(c.version():match("^%d+%.%d+%.%d+$"), "version")

local p = c.policy('origins = ["https://a.example"]\nrequest_headers = ["x-a"]\ncredentials = true\nexpose_headers = ["x-id"]\n')
check(p ~= nil, "policy")

-- an actual request: the four forwarded headers by position
local k, v, r, s, acao, acac, aceh, vary = c.decide(p, "GET", 1, "https://a.example", 0, nil, 0, nil)
check(k == "actual" and v == "allowed" and r == "ok" and s == 0, "actual decision")
check(acao == "https://a.example" and acac == "true" and aceh == "x-id" and vary == "Origin", "actual headers")

-- a repeated Origin (count 2, no value) is invalid_origin
k, v, r, s, acao = c.decide(p, "GET", 2, nil, 0, nil, 0, nil)
check(r == "invalid_origin" and acao == nil, "repeated origin")

-- no Origin at all
k, v, r, s, acao, acac, aceh, vary = c.decide(p, "GET", 0, nil, 0, nil, 0, nil)
check(k == "not_cors" and v == "not_cors" and r == "no_origin" and vary == "Origin", "not_cors")

-- an answered preflight: an ordered list of {name, value}; lines echoed one by one
local h
k, v, r, s, h = c.decide(p, "OPTIONS", 1, "https://a.example", 1, "GET", 0, nil, "x-a", "X-A")
check(k == "preflight" and v == "allowed" and s == 204, "preflight decision")
local names = {}
for i, pair in ipairs(h) do names[i] = pair[1] .. "=" .. pair[2] end
check(table.concat(names, ";") == "Access-Control-Allow-Origin=https://a.example;"
    .. "Access-Control-Allow-Credentials=true;Access-Control-Allow-Headers=x-a;"
    .. "Access-Control-Allow-Headers=X-A;"
    .. "Vary=Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    "preflight headers: " .. table.concat(names, ";"))

-- five lines are refused by the engine; six are refused by the module
k, v, r, s = c.decide(p, "OPTIONS", 1, "https://a.example", 1, "GET", 0, nil, "x-a", "x-a", "x-a", "x-a", "x-a")
check(r == "header_not_allowed" and s == 403, "five lines")
local ok, err = pcall(c.decide, p, "OPTIONS", 1, "https://a.example", 1, "GET", 0, nil, "a", "b", "c", "d", "e", "f")
check(not ok and err:find("at most 5 request%-headers lines"), "six lines: " .. tostring(err))

-- wrong argument types are Lua errors, never crashes
ok, err = pcall(c.decide, {}, "GET", 0)
check(not ok and err:find("corsgate.policy expected"), "not a policy")
ok, err = pcall(c.decide, p, "GET", "x")
check(not ok, "count not a number")
ok, err = pcall(c.decide, p, "GET", 1, nil, 0, nil, 0, nil)
check(not ok, "count 1 without a value")
check(getmetatable(p) == "corsgate.policy", "metatable hidden")

-- a refused policy: every error, kind, value and message
local bad, errs = c.policy('origins = []\ncolour = "blue"\n')
check(bad == nil and #errs == 2, "refused policy")
local kinds = {}
for _, e in ipairs(errs) do
    check(type(e.message) == "string" and #e.message > 0, "message")
    kinds[e.kind] = e.value
end
check(kinds.unknown_key == "colour" and kinds.no_origins ~= nil, "error kinds")
bad, errs = c.policy("origins = [")
check(bad == nil and errs[1].kind == "toml_syntax", "syntax error")

-- many policies and decisions, then the state closes: __gc frees them all
for i = 1, 200 do
    local q = c.policy('origins = ["https://a' .. i .. '.example"]\n')
    c.decide(q, "GET", 1, "https://a" .. i .. ".example", 0, nil, 0, nil)
end
collectgarbage()
print("module ok")
"""


@pytest.mark.skipif(LUA is None, reason="lua5.3 is not installed")
def test_module_in_standalone_lua(tmp_path):
    script = tmp_path / "module.lua"
    script.write_text(f"MODULE_DIR = {MODULE_DIR!r}\n" + SCRIPT, encoding="utf-8")
    cmd = [LUA, str(script)]
    valgrind = shutil.which("valgrind")
    if valgrind:
        cmd = [
            valgrind,
            "-q",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=9",
        ] + cmd
    p = subprocess.run(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=300,
        check=False,
        env=dict(os.environ),
    )
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, out
    assert "module ok" in out, out
