-- corsgate.lua: CORS for HAProxy 2.6+ with corsgate's engine.
--
-- Load it in `global`, after the policies are named and the module's
-- directory is on the C path:
--
--     lua-prepend-path /usr/local/lib/corsgate/?.so cpath
--     setenv CORSGATE_POLICIES api=/etc/haproxy/cors/api.toml,admin=/etc/haproxy/cors/admin.toml
--     lua-load /usr/local/lib/corsgate/corsgate.lua      (or lua-load-per-thread)
--
-- Every policy is compiled when this file is loaded, i.e. while HAProxy
-- parses its configuration: a missing file or a refused policy raises a Lua
-- error naming the file and every problem the engine found, which fails
-- `haproxy -c` and start-up.
--
-- It registers one action, `http-request lua.corsgate <policy>`:
--   * a preflight that the engine answers (allowed, or denied with
--     `denied_preflight = "reject"`) gets its status in txn.cors_status and
--     its headers in txn.cors_pf_* for the three `http-request return`
--     rules that follow the action to answer with (a native reply costs a
--     fraction of a Lua txn:reply()); the backend never sees it;
--   * any other request goes on, and the headers for its response are left
--     in txn.cors_acao, txn.cors_acac, txn.cors_aceh and txn.cors_vary for
--     `http-after-response` rules to set (HAProxy 2.6 has no Lua action
--     that runs on every response);
--   * txn.cors_kind, txn.cors_decision and txn.cors_reason say what was
--     decided, for `log-format` and ACLs; txn.cors_mode is the policy's
--     mode ("enforce" or "report-only"): the rule that removes the
--     backend's own Access-Control-* headers runs only when it is
--     "enforce", so that report-only changes nothing.
-- See bindings/haproxy/README.md for the configuration around it.

-- The C module is corsgate.so. It is opened from package.cpath directly:
-- require("corsgate") would try package.path first and could find this
-- very file.
local function open_module()
    local path = package.searchpath("corsgate", package.cpath)
    if path == nil then
        error("corsgate: corsgate.so is not on Lua's C path (" .. package.cpath
            .. "); put `lua-prepend-path <dir>/?.so cpath` before lua-load", 0)
    end
    local open, why = package.loadlib(path, "luaopen_corsgate")
    if open == nil then
        error("corsgate: cannot load " .. path .. ": " .. tostring(why), 0)
    end
    return open()
end

local engine = open_module()

local function read_file(path)
    local f, why = io.open(path, "rb")
    if f == nil then
        return nil, why
    end
    local text = f:read("a")
    f:close()
    if text == nil then
        return nil, path .. ": cannot be read"
    end
    return text
end

-- "name=path,name=path" into an ordered list of { name, path }; every
-- malformed entry is reported, not only the first.
local function parse_policy_list(spec, problems)
    local list, seen = {}, {}
    for entry in string.gmatch(spec, "[^,]+") do
        local name, path = string.match(entry, "^%s*([%w_.-]+)%s*=%s*(.-)%s*$")
        if name == nil or path == "" then
            problems[#problems + 1] = string.format(
                "CORSGATE_POLICIES entry %q is not name=/path/to/policy.toml "
                .. "(names: letters, digits, '_', '.', '-')", entry)
        elseif seen[name] then
            problems[#problems + 1] = string.format(
                "CORSGATE_POLICIES names policy %q twice", name)
        else
            seen[name] = true
            list[#list + 1] = { name, path }
        end
    end
    return list
end

-- A request without Origin is not_cors whatever else it holds (method,
-- other fields; docs/semantics.md), so the engine's answer for it is worked
-- out once per policy here instead of on every such request.
--
-- It also gives the policy's mode, which the C ABI has no accessor for: in
-- enforce mode every decision varies on Origin, even this one, while
-- report-only returns no header at all (docs/semantics.md).
local function compile_entry(policy)
    local none = table.pack(engine.decide(policy, "GET", 0, nil, 0, nil, 0, nil))
    local mode = none[8] ~= nil and "enforce" or "report-only"
    return { policy, mode, none }
end

local function load_policies()
    local spec = os.getenv("CORSGATE_POLICIES")
    if spec == nil or string.match(spec, "^%s*$") then
        error("corsgate: no policies: put `setenv CORSGATE_POLICIES "
            .. "name=/path/to/policy.toml[,...]` in global, before lua-load", 0)
    end
    local problems = {}
    local policies, names = {}, {}
    for _, entry in ipairs(parse_policy_list(spec, problems)) do
        local name, path = entry[1], entry[2]
        local text, why = read_file(path)
        if text == nil then
            problems[#problems + 1] = string.format("policy %q: %s", name, why)
        else
            local policy, errors = engine.policy(text)
            if policy == nil then
                for _, e in ipairs(errors) do
                    local at = e.value ~= "" and string.format(" (%s)", e.value) or ""
                    problems[#problems + 1] = string.format(
                        "policy %q in %s: %s%s: %s", name, path, e.kind, at, e.message)
                end
            else
                policies[name] = compile_entry(policy)
                names[#names + 1] = name
            end
        end
    end
    if #problems > 0 then
        error("corsgate: " .. #problems .. " problem(s) in the policies:\n  "
            .. table.concat(problems, "\n  "), 0)
    end
    return policies, names
end

local policies, names = load_policies()

local decide = engine.decide

-- A request that already went through lua.corsgate (a frontend rule, then
-- a backend rule) has header variables from the first decision: they are
-- removed before the second decision's are set, or a header the second
-- policy denies would leak through. The marker is the transaction's Lua
-- private value, which costs far less than reading a variable back.
local DECIDED = {}

-- What an answered preflight leaves for the `http-request return` rules,
-- by the module's slots (corsgate_lua.c): the engine's order.
local PREFLIGHT_VARS = {
    "txn.cors_pf_acao", "txn.cors_pf_acac", "txn.cors_pf_acam",
    "txn.cors_pf_acah1", "txn.cors_pf_acah2", "txn.cors_pf_acah3", "txn.cors_pf_acah4",
    "txn.cors_pf_acma", "txn.cors_pf_acapn", "txn.cors_pf_vary",
}

local function clear_headers(txn)
    txn:unset_var("txn.cors_acao")
    txn:unset_var("txn.cors_acac")
    txn:unset_var("txn.cors_aceh")
    txn:unset_var("txn.cors_vary")
    -- Only there when an earlier decision's answer was not sent (no return
    -- rules after that lua.corsgate rule): this decision must not send it.
    txn:unset_var("txn.cors_status")
    for _, name in ipairs(PREFLIGHT_VARS) do
        txn:unset_var(name)
    end
end

local ACRH = "access-control-request-headers"

-- The engine refuses more than four Access-Control-Request-Headers lines
-- whatever they hold; five are enough for it to say so.
local MAX_ACRH_LINES = 5

local function cors(txn, name)
    local entry = policies[name]
    if entry == nil then
        -- A misspelt policy name must not silently turn CORS off.
        core.Alert("corsgate: http-request lua.corsgate names unknown policy "
            .. tostring(name) .. "; answering 500")
        if txn:get_priv() == DECIDED then
            clear_headers(txn)
        end
        txn:set_var("txn.cors_decision", "error")
        txn:set_var("txn.cors_reason", "unknown_policy")
        txn:done(txn:reply({ status = 500 }))
        return
    end

    local policy = entry[1]
    local f = txn.f
    local origin_n = f:req_fhdr_cnt("origin")
    local method, origin = nil, nil
    if origin_n == 1 then
        origin = f:req_fhdr("origin")
    end
    if origin_n ~= 0 then
        method = f:method()
    end

    local kind, verdict, reason, status, a, b, c, d, e, g, h, i, j, k
    -- Only an OPTIONS request with an Origin can be a preflight: the other
    -- request fields mean nothing to any other request, so they are read
    -- only then.
    if origin_n == 0 then
        local n = entry[3]
        kind, verdict, reason, status, a, b, c, d, e, g, h, i, j, k = n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8]
    elseif method == "OPTIONS" then
        local acrm_n = f:req_fhdr_cnt("access-control-request-method")
        local acrm = nil
        if acrm_n == 1 then
            acrm = f:req_fhdr("access-control-request-method")
        end
        local acrpn_n = f:req_fhdr_cnt("access-control-request-private-network")
        local acrpn = nil
        if acrpn_n == 1 then
            acrpn = f:req_fhdr("access-control-request-private-network")
        end
        local acrh_n = f:req_fhdr_cnt(ACRH)
        if acrh_n == 0 then
            kind, verdict, reason, status, a, b, c, d, e, g, h, i, j, k =
                decide(policy, method, origin_n, origin, acrm_n, acrm, acrpn_n, acrpn)
        elseif acrh_n == 1 then
            kind, verdict, reason, status, a, b, c, d, e, g, h, i, j, k =
                decide(policy, method, origin_n, origin, acrm_n, acrm, acrpn_n, acrpn,
                    f:req_fhdr(ACRH))
        else
            local lines = {}
            for i = 1, math.min(acrh_n, MAX_ACRH_LINES) do
                lines[i] = f:req_fhdr(ACRH, i)
            end
            kind, verdict, reason, status, a, b, c, d, e, g, h, i, j, k =
                decide(policy, method, origin_n, origin, acrm_n, acrm, acrpn_n, acrpn,
                    table.unpack(lines))
        end
    else
        kind, verdict, reason, status, a, b, c, d, e, g, h, i, j, k =
            decide(policy, method, origin_n, origin, 0, nil, 0, nil)
    end

    if txn:get_priv() == DECIDED then
        clear_headers(txn)
    else
        txn:set_priv(DECIDED)
    end
    txn:set_var("txn.cors_kind", kind)
    txn:set_var("txn.cors_decision", verdict)
    txn:set_var("txn.cors_reason", reason)
    txn:set_var("txn.cors_mode", entry[2])

    if status ~= 0 then
        -- Answered by the `http-request return` rules that follow the
        -- action (README, "The configuration"): HAProxy builds that reply
        -- natively for a fraction of what a Lua txn:reply() costs. Absent
        -- headers stay unset variables, which `return ... hdr` skips, and
        -- the http-after-response rules add nothing to this reply.
        txn:set_var("txn.cors_status", status)
        if a ~= nil then txn:set_var("txn.cors_pf_acao", a) end
        if b ~= nil then txn:set_var("txn.cors_pf_acac", b) end
        if c ~= nil then txn:set_var("txn.cors_pf_acam", c) end
        if d ~= nil then txn:set_var("txn.cors_pf_acah1", d) end
        if e ~= nil then txn:set_var("txn.cors_pf_acah2", e) end
        if g ~= nil then txn:set_var("txn.cors_pf_acah3", g) end
        if h ~= nil then txn:set_var("txn.cors_pf_acah4", h) end
        if i ~= nil then txn:set_var("txn.cors_pf_acma", i) end
        if j ~= nil then txn:set_var("txn.cors_pf_acapn", j) end
        if k ~= nil then txn:set_var("txn.cors_pf_vary", k) end
        return
    end
    if a ~= nil then
        txn:set_var("txn.cors_acao", a)
    end
    if b ~= nil then
        txn:set_var("txn.cors_acac", b)
    end
    if c ~= nil then
        txn:set_var("txn.cors_aceh", c)
    end
    if d ~= nil then
        txn:set_var("txn.cors_vary", d)
    end
end

core.register_action("corsgate", { "http-req" }, cors, 1)

core.Info(string.format("corsgate %s: policies %s loaded", engine.version(),
    table.concat(names, ", ")))
