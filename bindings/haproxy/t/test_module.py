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

-- an answered preflight: its header values by slot (ACAO, ACAC, ACAM, four
-- ACAH lines, ACMA, ACAPN, Vary), the lines echoed one by one
local t = table.pack(c.decide(p, "OPTIONS", 1, "https://a.example", 1, "GET", 0, nil, "x-a", "X-A"))
check(t.n == 14, "preflight: 14 values, got " .. t.n)
check(t[1] == "preflight" and t[2] == "allowed" and t[4] == 204, "preflight decision")
local want = { "https://a.example", "true", nil, "x-a", "X-A", nil, nil, nil, nil,
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" }
for slot = 1, 10 do
    check(t[4 + slot] == want[slot], "preflight slot " .. slot .. ": " .. tostring(t[4 + slot]))
end

-- every slot: a non-safelisted method, four lines, max-age, private network
local q = c.policy('origins = ["https://a.example"]\nmethods = ["PUT"]\nrequest_headers = ["x-a", "x-b", "x-c", "x-d"]\n'
    .. 'max_age = 60\nprivate_network = true\n')
check(q ~= nil, "full policy")
t = table.pack(c.decide(q, "OPTIONS", 1, "https://a.example", 1, "PUT", 1, "true", "x-a", "x-b", "x-c", "x-d"))
want = { "https://a.example", nil, "PUT", "x-a", "x-b", "x-c", "x-d", "60", "true",
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network" }
check(t[4] == 204, "full preflight: " .. tostring(t[3]))
for slot = 1, 10 do
    check(t[4 + slot] == want[slot], "full preflight slot " .. slot .. ": " .. tostring(t[4 + slot]))
end

-- a denied preflight: 403 and only Vary
t = table.pack(c.decide(p, "OPTIONS", 1, "https://b.example", 1, "GET", 0, nil))
check(t[4] == 403 and t[3] == "origin_not_allowed", "denied preflight")
for slot = 1, 9 do
    check(t[4 + slot] == nil, "denied preflight slot " .. slot)
end
check(t[14] ~= nil, "denied preflight vary")

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
