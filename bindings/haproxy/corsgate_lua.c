/*
 * corsgate_lua.c: the Lua C module `corsgate` for HAProxy's Lua (5.3).
 *
 * libcorsgate is linked in statically; the only exported symbol is
 * luaopen_corsgate (see corsgate.map). The lua_* functions come from the
 * Lua that HAProxy itself links, so this object must not link liblua.
 *
 * Functions:
 *   corsgate.version()            "0.1.0"
 *   corsgate.policy(toml)         policy userdata, or nil and a list of
 *                                 { kind = , value = , message = } tables
 *   corsgate.decide(policy, method, origin_n, origin, acrm_n, acrm,
 *                   acrpn_n, acrpn, acrh_1, ..., acrh_k)
 *       One engine call. `*_n` is how many times the field occurs (0, 1,
 *       or more); its value is read only when it occurs once. The
 *       Access-Control-Request-Headers lines follow in order, at most five
 *       (the engine refuses more than four lines whatever they hold, so a
 *       caller with more passes the first five). Returns kind, verdict,
 *       reason, status, then the header values by position, nil when
 *       absent (no table per request; corsgate.lua puts each in a variable
 *       for HAProxy's native rules):
 *         status ~= 0 (answer the request here; a preflight): the values
 *             of Access-Control-Allow-Origin, -Allow-Credentials,
 *             -Allow-Methods, four Access-Control-Allow-Headers lines,
 *             Access-Control-Max-Age, -Allow-Private-Network and Vary: the
 *             engine's order, each slot one header line;
 *         status == 0 (the application answers): the values of
 *             Access-Control-Allow-Origin, Access-Control-Allow-Credentials,
 *             Access-Control-Expose-Headers and Vary, the only headers a
 *             forwarded decision carries.
 *       A header that has no slot is a Lua error, never dropped.
 */

#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "corsgate.h"

#define POLICY_META "corsgate.policy"

/* One line more than the engine accepts (four): enough for it to refuse a
 * longer list, which it does whatever the lines hold, so a caller never
 * needs to hand over more and a hostile request costs a bounded amount. */
#define MAX_ACRH_LINES 5

typedef struct {
    const corsgate_policy *policy;
} policy_box;

static corsgate_slice slice_of(const char *p, size_t len) {
    corsgate_slice s = {(const uint8_t *)p, len};
    return s;
}

static void push_slice(lua_State *L, corsgate_slice s) {
    lua_pushlstring(L, (const char *)s.ptr, s.len);
}

static int l_version(lua_State *L) {
    push_slice(L, corsgate_version());
    return 1;
}

static int policy_gc(lua_State *L) {
    policy_box *box = luaL_checkudata(L, 1, POLICY_META);
    corsgate_policy_free(box->policy);
    box->policy = NULL;
    return 0;
}

/* Pushes the list of build errors as a table of tables. */
static void push_errors(lua_State *L, const corsgate_errors *errors) {
    size_t n = corsgate_errors_len(errors);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        corsgate_build_error e;
        if (corsgate_errors_get(errors, i, &e) != CORSGATE_RESULT_OK) {
            continue;
        }
        lua_createtable(L, 0, 3);
        push_slice(L, e.kind_name);
        lua_setfield(L, -2, "kind");
        push_slice(L, e.value);
        lua_setfield(L, -2, "value");
        push_slice(L, e.message);
        lua_setfield(L, -2, "message");
        lua_rawseti(L, -2, (lua_Integer)(i + 1));
    }
}

static int l_policy(lua_State *L) {
    size_t len;
    const char *toml = luaL_checklstring(L, 1, &len);
    /* The box exists before the policy does, so that a Lua memory error
     * while creating it cannot leak a built policy. */
    policy_box *box = lua_newuserdata(L, sizeof *box);
    box->policy = NULL;
    luaL_setmetatable(L, POLICY_META);

    const corsgate_policy *policy = NULL;
    corsgate_errors *errors = NULL;
    corsgate_result r =
        corsgate_policy_from_toml((const uint8_t *)toml, len, &policy, &errors);
    if (r == CORSGATE_RESULT_OK) {
        box->policy = policy;
        return 1;
    }
    lua_pushnil(L);
    if (r == CORSGATE_RESULT_INVALID_POLICY && errors != NULL) {
        push_errors(L, errors);
        corsgate_errors_free(errors);
    } else {
        corsgate_slice name = corsgate_result_str(r);
        lua_createtable(L, 1, 0);
        lua_createtable(L, 0, 3);
        push_slice(L, name);
        lua_setfield(L, -2, "kind");
        lua_pushliteral(L, "");
        lua_setfield(L, -2, "value");
        lua_pushliteral(L, "the engine could not build the policy");
        lua_setfield(L, -2, "message");
        lua_rawseti(L, -2, 1);
    }
    return 2;
}

/* Reads the field at stack positions n_idx (count) and n_idx + 1 (value). */
static corsgate_field field_at(lua_State *L, int n_idx) {
    corsgate_field f;
    lua_Integer n = luaL_checkinteger(L, n_idx);
    if (n <= 0) {
        f.state = CORSGATE_FIELD_STATE_ABSENT;
        f.value = slice_of(NULL, 0);
    } else if (n == 1) {
        size_t len;
        const char *v = luaL_checklstring(L, n_idx + 1, &len);
        f.state = CORSGATE_FIELD_STATE_ONE;
        f.value = slice_of(v, len);
    } else {
        f.state = CORSGATE_FIELD_STATE_REPEATED;
        f.value = slice_of(NULL, 0);
    }
    return f;
}

static const char *verdict(const corsgate_decision *d) {
    if (d->kind == CORSGATE_KIND_NOT_CORS) {
        return "not_cors";
    }
    return d->allowed ? "allowed" : "denied";
}

/* Header names compared by length first: a decision's names are the
 * engine's static strings, so a full compare runs only on a real match. */
static int name_is(corsgate_slice name, const char *want, size_t want_len) {
    return name.len == want_len && memcmp(name.ptr, want, want_len) == 0;
}

#define NAME_IS(name, lit) name_is((name), (lit), sizeof(lit) - 1)

/* The header slots of a decision, in the engine's order (eval.rs). An
 * answered preflight has at most MAX_ACRH_LINES - 1 Allow-Headers lines
 * (the engine refuses more request lines than that). */
enum {
    PF_ACAO,
    PF_ACAC,
    PF_ACAM,
    PF_ACAH,
    PF_ACMA = PF_ACAH + MAX_ACRH_LINES - 1,
    PF_ACAPN,
    PF_VARY,
    PF_SLOTS
};

enum { FW_ACAO, FW_ACAC, FW_ACEH, FW_VARY, FW_SLOTS };

/* The slot of a header of an answered preflight; -1 when it has none.
 * `acah` counts the Allow-Headers lines placed so far. */
static int preflight_slot(corsgate_slice name, int *acah) {
    if (NAME_IS(name, "Access-Control-Allow-Origin")) {
        return PF_ACAO;
    }
    if (NAME_IS(name, "Access-Control-Allow-Credentials")) {
        return PF_ACAC;
    }
    if (NAME_IS(name, "Access-Control-Allow-Methods")) {
        return PF_ACAM;
    }
    if (NAME_IS(name, "Access-Control-Allow-Headers")) {
        if (*acah >= PF_ACMA - PF_ACAH) {
            return -1;
        }
        return PF_ACAH + (*acah)++;
    }
    if (NAME_IS(name, "Access-Control-Max-Age")) {
        return PF_ACMA;
    }
    if (NAME_IS(name, "Access-Control-Allow-Private-Network")) {
        return PF_ACAPN;
    }
    if (NAME_IS(name, "Vary")) {
        return PF_VARY;
    }
    return -1;
}

/* The slot of a header of a forwarded decision; -1 when it has none. */
static int forwarded_slot(corsgate_slice name) {
    if (NAME_IS(name, "Access-Control-Allow-Origin")) {
        return FW_ACAO;
    }
    if (NAME_IS(name, "Access-Control-Allow-Credentials")) {
        return FW_ACAC;
    }
    if (NAME_IS(name, "Access-Control-Expose-Headers")) {
        return FW_ACEH;
    }
    if (NAME_IS(name, "Vary")) {
        return FW_VARY;
    }
    return -1;
}

/* Pushes the decision's header values into their slots (nil when absent);
 * returns the number of slots pushed. */
static int push_headers(lua_State *L, const corsgate_decision *d, size_t count) {
    int answered = d->status != 0;
    int slots = answered ? PF_SLOTS : FW_SLOTS;
    int top = lua_gettop(L);
    int acah = 0;
    for (int i = 0; i < slots; i++) {
        lua_pushnil(L);
    }
    for (size_t i = 0; i < count; i++) {
        corsgate_slice name = d->headers[i].name;
        int slot = answered ? preflight_slot(name, &acah) : forwarded_slot(name);
        if (slot < 0) {
            /* A header this module has no place for: refuse loudly rather
             * than drop it. */
            return luaL_error(L, "corsgate: unexpected header %s on %s",
                              lua_pushlstring(L, (const char *)name.ptr, name.len),
                              answered ? "an answered preflight"
                                       : "a forwarded response");
        }
        if (!lua_isnil(L, top + 1 + slot)) {
            return luaL_error(L, "corsgate: header %s twice",
                              lua_pushlstring(L, (const char *)name.ptr, name.len));
        }
        push_slice(L, d->headers[i].value);
        lua_replace(L, top + 1 + slot);
    }
    return slots;
}

static int l_decide(lua_State *L) {
    policy_box *box = luaL_checkudata(L, 1, POLICY_META);
    if (box->policy == NULL) {
        return luaL_error(L, "corsgate: the policy was freed");
    }
    size_t method_len;
    const char *method = luaL_checklstring(L, 2, &method_len);

    corsgate_view view;
    view.method = slice_of(method, method_len);
    view.origin = field_at(L, 3);
    view.request_method = field_at(L, 5);
    view.request_private_network = field_at(L, 7);

    corsgate_slice lines[MAX_ACRH_LINES];
    int given = lua_gettop(L) - 8;
    if (given < 0) {
        given = 0;
    }
    if (given > MAX_ACRH_LINES) {
        return luaL_error(L, "corsgate: at most %d request-headers lines",
                          MAX_ACRH_LINES);
    }
    for (int i = 0; i < given; i++) {
        size_t len;
        const char *v = luaL_checklstring(L, 9 + i, &len);
        lines[i] = slice_of(v, len);
    }
    view.request_headers = lines;
    view.request_headers_count = (size_t)given;

    corsgate_decision d;
    corsgate_result r = corsgate_evaluate_view(box->policy, &view, &d);
    if (r != CORSGATE_RESULT_OK) {
        corsgate_slice why = corsgate_result_str(r);
        return luaL_error(L, "corsgate: evaluation failed: %s",
                          (const char *)lua_pushlstring(L, (const char *)why.ptr,
                                                        why.len));
    }

    push_slice(L, corsgate_kind_str(d.kind));
    lua_pushstring(L, verdict(&d));
    push_slice(L, corsgate_reason_str(d.reason));
    lua_pushinteger(L, d.status);

    size_t count = d.header_count;
    if (count > CORSGATE_MAX_HEADERS) {
        count = CORSGATE_MAX_HEADERS;
    }
    return push_headers(L, &d, count) + 4;
}

__attribute__((visibility("default"))) int luaopen_corsgate(lua_State *L) {
    if (corsgate_abi_version() != CORSGATE_ABI_VERSION) {
        return luaL_error(L, "corsgate: libcorsgate ABI %d, corsgate.h ABI %d",
                          (int)corsgate_abi_version(), CORSGATE_ABI_VERSION);
    }
    static const luaL_Reg methods[] = {{"__gc", policy_gc}, {NULL, NULL}};
    if (luaL_newmetatable(L, POLICY_META)) {
        luaL_setfuncs(L, methods, 0);
        lua_pushliteral(L, "corsgate.policy");
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);

    static const luaL_Reg functions[] = {{"version", l_version},
                                         {"policy", l_policy},
                                         {"decide", l_decide},
                                         {NULL, NULL}};
    luaL_newlib(L, functions);
    return 1;
}
