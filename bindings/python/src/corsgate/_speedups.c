/*
 * _speedups.c: the native fast path of corsgate's Python package.
 *
 * The package works without this module: corsgate._policy evaluates through
 * ctypes. ctypes converts each argument of each call in Python, which costs
 * several microseconds per evaluation on a slow interpreter; this module
 * does the same work in C with METH_FASTCALL, so an evaluation costs one
 * Python-to-C call, one engine call and the allocation of its result.
 *
 * It links against the same libcorsgate the ctypes side loads (the copy
 * bundled in the package, found through RUNPATH $ORIGIN), so a policy
 * handle built through ctypes is valid here; _backend.py checks that both
 * sides see one library before enabling the module.
 *
 * Contract with _policy.py. Both evaluate functions return a
 * corsgate.Decision, built here exactly as the ctypes path builds it, or
 * None when the input is outside the fast path: any type or shape other
 * than those below, or an engine result other than OK. The caller then
 * runs the ctypes path, which gives the same answer or raises the
 * documented exception with its exact message. The fast path accepts:
 *
 *   - a method that is bytes, or a str of ASCII characters (ASGI servers
 *     give the method as str; its ISO-8859-1 encoding is its own bytes);
 *   - headers as a list or tuple of 2-tuples or 2-lists, whose names and,
 *     for the CORS fields, values are bytes or ASCII str. Subclasses,
 *     bytearray, memoryview and non-ASCII str are deferred: the Python
 *     code converts them.
 *
 * The GIL is held throughout. An evaluation costs the engine 0.1 to 1 µs
 * (about 6 µs for the worst case, a 64 KiB head). Releasing and taking back
 * the GIL measured 70 ns uncontended (a ctypes CDLL call against a PyDLL
 * one), a tenth of a whole evaluation here; under contention, taking it
 * back waits for the holder's switch interval (5 ms by default), which
 * would turn a sub-microsecond call into milliseconds of latency. Holding
 * it also means no Python code runs during the call, so the header list
 * and its items cannot change under us: borrowed references are enough.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <stdint.h>
#include <string.h>

#include "corsgate.h"

#if PY_VERSION_HEX < 0x030A0000
/* Python 3.9 lacks Py_NewRef (3.10). */
static inline PyObject *
Py_NewRef(PyObject *o)
{
    Py_INCREF(o);
    return o;
}
#endif

/* CORS fields kept on the stack; a request with more (a hostile one) gets
 * a heap array. Ordinary requests have one to three. */
#define LOCAL_FIELDS 8

/* Distinct response header names the engine emits (static strings in the
 * library: Vary and the Access-Control-Allow-* family). Names past this
 * many are still returned, only not cached. */
#define NAME_CACHE_SIZE 16

/* The request fields the engine reads, lower-case. A header whose name
 * matches one (ASCII case-insensitively) is passed to the engine under
 * this spelling; the engine matches names case-insensitively, so the
 * spelling does not change the decision. */
static const char *const field_names[] = {
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
};

static const size_t field_lengths[] = { 6, 29, 30, 38 };

typedef struct {
    const uint8_t *ptr;   /* the static name inside libcorsgate */
    size_t len;
    PyObject *lowered;    /* its lower-case bytes, as the decision holds it */
} name_entry;

typedef struct {
    /* corsgate.Decision and the member descriptors of its __slots__. */
    PyTypeObject *decision_type;
    PyObject *slot_kind;
    PyObject *slot_allowed;
    PyObject *slot_reason;
    PyObject *slot_status;
    PyObject *slot_raw_headers;
    /* Tuples of str indexed by corsgate_kind and corsgate_reason codes. */
    PyObject *kinds;
    PyObject *reasons;
    /* dict: lower-case name bytes -> the engine's spelling (str), shared
     * with the ctypes path for Decision.headers. */
    PyObject *spellings;
    name_entry names[NAME_CACHE_SIZE];
    size_t name_count;
} speedups_state;

/* A growable array of input headers: on the stack until it overflows. */
typedef struct {
    corsgate_header *items;
    size_t len;
    size_t cap;
    corsgate_header local[LOCAL_FIELDS];
} field_list;


static speedups_state *
get_state(PyObject *module)
{
    return (speedups_state *) PyModule_GetState(module);
}


static int
ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}


/*
 * The bytes of a bytes object or of an ASCII str, whose ISO-8859-1
 * encoding is its own data. Returns 0 for anything else.
 */
static int
text_bytes(PyObject *o, const uint8_t **ptr, size_t *len)
{
    if (PyBytes_CheckExact(o)) {
        *ptr = (const uint8_t *) PyBytes_AS_STRING(o);
        *len = (size_t) PyBytes_GET_SIZE(o);
        return 1;
    }

    if (PyUnicode_CheckExact(o) && PyUnicode_IS_COMPACT_ASCII(o)) {
        *ptr = (const uint8_t *) PyUnicode_DATA(o);
        *len = (size_t) PyUnicode_GET_LENGTH(o);
        return 1;
    }

    return 0;
}


/* The field a header name denotes, or -1 for every other name. */
static int
field_index(const uint8_t *name, size_t len)
{
    size_t  i, k;
    int     want;

    for (want = 0; want < 4; want++) {
        if (field_lengths[want] == len) {
            break;
        }
    }

    if (want == 4) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        k = (size_t) ascii_lower(name[i]);
        if (k != (uint8_t) field_names[want][i]) {
            return -1;
        }
    }

    return want;
}


static void
field_list_init(field_list *list)
{
    list->items = list->local;
    list->len = 0;
    list->cap = LOCAL_FIELDS;
}


static void
field_list_free(field_list *list)
{
    if (list->items != list->local) {
        PyMem_Free(list->items);
    }
}


/* Appends a header; returns -1 with MemoryError set on failure. */
static int
field_list_push(field_list *list, int field, const uint8_t *value, size_t len)
{
    corsgate_header  *grown;
    size_t            cap;

    if (list->len == list->cap) {
        cap = list->cap * 2;
        if (list->items == list->local) {
            grown = PyMem_New(corsgate_header, cap);
            if (grown != NULL) {
                memcpy(grown, list->local, sizeof(list->local));
            }

        } else {
            grown = list->items;
            PyMem_Resize(grown, corsgate_header, cap);
        }

        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }

        list->items = grown;
        list->cap = cap;
    }

    list->items[list->len].name.ptr = (const uint8_t *) field_names[field];
    list->items[list->len].name.len = field_lengths[field];
    list->items[list->len].value.ptr = value;
    list->items[list->len].value.len = len;
    list->len++;

    return 0;
}


/*
 * Collects the CORS fields of a header list. Returns 1 when done, 0 when
 * the input is outside the fast path, -1 with an exception set.
 */
static int
collect_fields(PyObject *headers, field_list *list)
{
    PyObject        **items, *pair, *name, *value;
    Py_ssize_t        i, n;
    const uint8_t    *ptr;
    size_t            len;
    int               field;

    if (!PyList_CheckExact(headers) && !PyTuple_CheckExact(headers)) {
        return 0;
    }

    n = PySequence_Fast_GET_SIZE(headers);
    items = PySequence_Fast_ITEMS(headers);

    for (i = 0; i < n; i++) {
        pair = items[i];

        if (PyTuple_CheckExact(pair) && PyTuple_GET_SIZE(pair) == 2) {
            name = PyTuple_GET_ITEM(pair, 0);
            value = PyTuple_GET_ITEM(pair, 1);

        } else if (PyList_CheckExact(pair) && PyList_GET_SIZE(pair) == 2) {
            name = PyList_GET_ITEM(pair, 0);
            value = PyList_GET_ITEM(pair, 1);

        } else {
            return 0;
        }

        if (!text_bytes(name, &ptr, &len)) {
            return 0;
        }

        field = field_index(ptr, len);
        if (field < 0) {
            continue;
        }

        if (!text_bytes(value, &ptr, &len)) {
            return 0;
        }

        if (field_list_push(list, field, ptr, len) != 0) {
            return -1;
        }
    }

    return 1;
}


/*
 * The lower-case bytes of a response header name, cached by address: the
 * names are static strings inside libcorsgate. A new name is also entered
 * in the spellings dict that Decision.headers reads.
 */
static PyObject *
header_name(speedups_state *st, corsgate_slice name)
{
    PyObject  *lowered, *spelled;
    size_t     i;
    char      *p;

    for (i = 0; i < st->name_count; i++) {
        if (st->names[i].ptr == name.ptr && st->names[i].len == name.len) {
            return Py_NewRef(st->names[i].lowered);
        }
    }

    lowered = PyBytes_FromStringAndSize((const char *) name.ptr,
                                        (Py_ssize_t) name.len);
    if (lowered == NULL) {
        return NULL;
    }

    p = PyBytes_AS_STRING(lowered);
    for (i = 0; i < name.len; i++) {
        p[i] = (char) ascii_lower((uint8_t) p[i]);
    }

    spelled = PyUnicode_DecodeLatin1((const char *) name.ptr,
                                     (Py_ssize_t) name.len, NULL);
    if (spelled == NULL
        || PyDict_SetItem(st->spellings, lowered, spelled) != 0)
    {
        Py_XDECREF(spelled);
        Py_DECREF(lowered);
        return NULL;
    }

    Py_DECREF(spelled);

    if (st->name_count < NAME_CACHE_SIZE) {
        st->names[st->name_count].ptr = name.ptr;
        st->names[st->name_count].len = name.len;
        st->names[st->name_count].lowered = Py_NewRef(lowered);
        st->name_count++;
    }

    return lowered;
}


/*
 * The decision's headers as a list of (name, value) bytes tuples.
 *
 * Echoed values point into the request's header values, which only the
 * caller's list keeps alive. Allocating a container (tuple, list, Decision)
 * can start a garbage collection, which can run finalizers, which can
 * switch threads: the list could change and free a value before it is
 * read. So every value is copied first, with allocations that never
 * collect (bytes, str, dict entries), and the containers come after.
 */
static PyObject *
decision_headers(speedups_state *st, const corsgate_decision *d)
{
    PyObject  *names[CORSGATE_MAX_HEADERS], *values[CORSGATE_MAX_HEADERS];
    PyObject  *list, *pair;
    size_t     i, n, made;

    n = d->header_count;
    if (n > CORSGATE_MAX_HEADERS) {
        PyErr_SetString(PyExc_RuntimeError,
                        "corsgate: the decision has too many headers");
        return NULL;
    }

    for (made = 0; made < n; made++) {
        names[made] = header_name(st, d->headers[made].name);
        if (names[made] == NULL) {
            goto failed;
        }

        values[made] = PyBytes_FromStringAndSize(
                           (const char *) d->headers[made].value.ptr,
                           (Py_ssize_t) d->headers[made].value.len);
        if (values[made] == NULL) {
            Py_DECREF(names[made]);
            goto failed;
        }
    }

    /* From here on the decision's borrowed pointers are not read. */

    list = PyList_New((Py_ssize_t) n);
    if (list == NULL) {
        goto failed;
    }

    for (i = 0; i < n; i++) {
        pair = PyTuple_New(2);
        if (pair == NULL) {
            Py_DECREF(list);
            /* The first i pairs own their items; release the rest. */
            for (; i < n; i++) {
                Py_DECREF(names[i]);
                Py_DECREF(values[i]);
            }
            return NULL;
        }

        PyTuple_SET_ITEM(pair, 0, names[i]);
        PyTuple_SET_ITEM(pair, 1, values[i]);
        PyList_SET_ITEM(list, (Py_ssize_t) i, pair);
    }

    return list;

failed:

    for (i = 0; i < made; i++) {
        Py_DECREF(names[i]);
        Py_DECREF(values[i]);
    }

    return NULL;
}


/* Stores a new reference in one of the decision's slots. */
static int
set_slot(PyObject *slot, PyObject *obj, PyObject *value)
{
    int  rc;

    if (value == NULL) {
        return -1;
    }

    rc = Py_TYPE(slot)->tp_descr_set(slot, obj, value);
    Py_DECREF(value);
    return rc;
}


static PyObject *
tuple_item(PyObject *tuple, unsigned code, const char *what)
{
    if ((Py_ssize_t) code >= PyTuple_GET_SIZE(tuple)) {
        PyErr_Format(PyExc_RuntimeError,
                     "corsgate: the library returned an unknown %s code %u",
                     what, code);
        return NULL;
    }

    return Py_NewRef(PyTuple_GET_ITEM(tuple, (Py_ssize_t) code));
}


/* A corsgate.Decision for an engine decision, built field by field the way
 * corsgate._policy builds it. */
static PyObject *
new_decision(speedups_state *st, const corsgate_decision *d)
{
    PyObject  *obj, *headers;

    /* First, while the inputs are certainly alive (see decision_headers). */
    headers = decision_headers(st, d);
    if (headers == NULL) {
        return NULL;
    }

    obj = st->decision_type->tp_alloc(st->decision_type, 0);
    if (obj == NULL) {
        Py_DECREF(headers);
        return NULL;
    }

    if (set_slot(st->slot_raw_headers, obj, headers)
        || set_slot(st->slot_kind, obj, tuple_item(st->kinds, d->kind, "kind"))
        || set_slot(st->slot_allowed, obj, PyBool_FromLong(d->allowed))
        || set_slot(st->slot_reason, obj,
                    tuple_item(st->reasons, d->reason, "reason"))
        || set_slot(st->slot_status, obj, PyLong_FromLong(d->status)))
    {
        Py_DECREF(obj);
        return NULL;
    }

    return obj;
}


static int
wrong_arg_count(const char *function, Py_ssize_t nargs, Py_ssize_t expected)
{
    if (nargs == expected) {
        return 0;
    }

    PyErr_Format(PyExc_TypeError, "%s() takes %zd positional arguments "
                 "(%zd given)", function, expected, nargs);
    return 1;
}


static int
not_configured(speedups_state *st)
{
    if (st->decision_type != NULL) {
        return 0;
    }

    PyErr_SetString(PyExc_RuntimeError,
                    "corsgate._speedups is used before configure()");
    return 1;
}


static const corsgate_policy *
policy_handle(PyObject *o)
{
    return (const corsgate_policy *) PyLong_AsVoidPtr(o);
}


PyDoc_STRVAR(evaluate_doc,
"evaluate(handle, method, headers, /)\n"
"--\n"
"\n"
"Evaluates a header list against the policy at ``handle`` (an address\n"
"from libcorsgate). Returns a corsgate.Decision, or None when the input\n"
"is outside the fast path or the engine refused the call: the caller\n"
"then uses the ctypes path, which handles every input.");

static PyObject *
speedups_evaluate(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    speedups_state           *st = get_state(module);
    const corsgate_policy    *policy;
    const uint8_t            *method;
    size_t                    method_len;
    corsgate_decision         d;
    corsgate_result           rc;
    field_list                fields;
    int                       ok;

    if (wrong_arg_count("evaluate", nargs, 3) || not_configured(st)) {
        return NULL;
    }

    policy = policy_handle(args[0]);
    if (policy == NULL && PyErr_Occurred()) {
        return NULL;
    }

    if (!text_bytes(args[1], &method, &method_len)) {
        Py_RETURN_NONE;
    }

    field_list_init(&fields);

    ok = collect_fields(args[2], &fields);
    if (ok <= 0) {
        field_list_free(&fields);
        if (ok < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }

    rc = corsgate_evaluate_headers(policy, method, method_len, fields.items,
                                   fields.len, &d);
    field_list_free(&fields);

    if (rc != CORSGATE_RESULT_OK) {
        Py_RETURN_NONE;
    }

    /* The decision borrows from the inputs, which are still alive: the
     * caller holds them and no Python code has run since. */
    return new_decision(st, &d);
}


PyDoc_STRVAR(evaluate_head_doc,
"evaluate_head(handle, raw, /)\n"
"--\n"
"\n"
"Evaluates a raw HTTP/1.x head (exact bytes) against the policy at\n"
"``handle``. Returns a corsgate.Decision, or None for any other input\n"
"type or when the engine refused the call.");

static PyObject *
speedups_evaluate_head(PyObject *module, PyObject *const *args,
    Py_ssize_t nargs)
{
    speedups_state         *st = get_state(module);
    const corsgate_policy  *policy;
    corsgate_decision       d;
    corsgate_result         rc;

    if (wrong_arg_count("evaluate_head", nargs, 2) || not_configured(st)) {
        return NULL;
    }

    policy = policy_handle(args[0]);
    if (policy == NULL && PyErr_Occurred()) {
        return NULL;
    }

    if (!PyBytes_CheckExact(args[1])) {
        Py_RETURN_NONE;
    }

    rc = corsgate_evaluate_head(policy,
                                (const uint8_t *) PyBytes_AS_STRING(args[1]),
                                (size_t) PyBytes_GET_SIZE(args[1]), &d);
    if (rc != CORSGATE_RESULT_OK) {
        Py_RETURN_NONE;
    }

    return new_decision(st, &d);
}


/* The member descriptor of one of Decision's __slots__. */
static PyObject *
slot_descriptor(PyTypeObject *type, const char *name)
{
    PyObject  *descr;

    descr = PyObject_GetAttrString((PyObject *) type, name);
    if (descr == NULL) {
        return NULL;
    }

    if (!Py_IS_TYPE(descr, &PyMemberDescr_Type)
        || Py_TYPE(descr)->tp_descr_set == NULL)
    {
        PyErr_Format(PyExc_TypeError,
                     "corsgate._speedups: %s.%s is not a __slots__ member",
                     type->tp_name, name);
        Py_DECREF(descr);
        return NULL;
    }

    return descr;
}


PyDoc_STRVAR(configure_doc,
"configure(decision_type, kinds, reasons, spellings, /)\n"
"--\n"
"\n"
"Hands the module what it builds decisions from, once, at import of\n"
"corsgate._policy: the Decision class (with __slots__ kind, allowed,\n"
"reason, status, raw_headers), the tuples of kind and reason names\n"
"indexed by code, and the dict mapping lower-case header name bytes to\n"
"the engine's spelling, which this module fills in as it meets names.");

static PyObject *
speedups_configure(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    speedups_state  *st = get_state(module);
    PyTypeObject    *type;

    if (wrong_arg_count("configure", nargs, 4)) {
        return NULL;
    }

    if (st->decision_type != NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "corsgate._speedups is already configured");
        return NULL;
    }

    if (!PyType_Check(args[0]) || !PyTuple_CheckExact(args[1])
        || !PyTuple_CheckExact(args[2]) || !PyDict_CheckExact(args[3]))
    {
        PyErr_SetString(PyExc_TypeError,
                        "configure(type, tuple, tuple, dict) expected");
        return NULL;
    }

    type = (PyTypeObject *) args[0];

    st->slot_kind = slot_descriptor(type, "kind");
    st->slot_allowed = slot_descriptor(type, "allowed");
    st->slot_reason = slot_descriptor(type, "reason");
    st->slot_status = slot_descriptor(type, "status");
    st->slot_raw_headers = slot_descriptor(type, "raw_headers");

    if (st->slot_kind == NULL || st->slot_allowed == NULL
        || st->slot_reason == NULL || st->slot_status == NULL
        || st->slot_raw_headers == NULL)
    {
        Py_CLEAR(st->slot_kind);
        Py_CLEAR(st->slot_allowed);
        Py_CLEAR(st->slot_reason);
        Py_CLEAR(st->slot_status);
        Py_CLEAR(st->slot_raw_headers);
        return NULL;
    }

    st->kinds = Py_NewRef(args[1]);
    st->reasons = Py_NewRef(args[2]);
    st->spellings = Py_NewRef(args[3]);
    /* Set last: it marks the module as configured. */
    st->decision_type = (PyTypeObject *) Py_NewRef(args[0]);

    Py_RETURN_NONE;
}


PyDoc_STRVAR(library_marker_doc,
"library_marker()\n"
"--\n"
"\n"
"The address of the version string inside the libcorsgate this module\n"
"is linked to. The package compares it with the address the ctypes side\n"
"sees, to make sure both use one library.");

static PyObject *
speedups_library_marker(PyObject *module, PyObject *unused)
{
    (void) module;
    (void) unused;

    return PyLong_FromVoidPtr((void *) corsgate_version().ptr);
}


/*
 * The ASGI send wrapper (corsgate.asgi): the send an application gets for
 * an actual CORS request. On the response start message it calls the
 * package's merge_headers (one merge, in Python, for ASGI and WSGI) on a
 * copy of the message and marks the response started; every message goes
 * to the server's send, whose awaitable is returned for the application
 * to await. It is the same logic as the Python fallback in asgi.py, in C
 * because a Python-level wrapper cost two function frames and a closure
 * per request, a third of the middleware's own time.
 *
 * One shortcut: when no header name of the application has the length of
 * a name merge_headers treats specially (the CORS response headers and
 * Vary), merge_headers would return the headers followed by the CORS ones,
 * so the wrapper builds that list itself. Anything else (such a length,
 * names that are not bytes, other shapes) goes to merge_headers.
 */
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *send;
    PyObject *cors;
    PyObject *merge;
    /* Bit n set when merge_headers treats some header name of length n
     * specially (corsgate._headers.SPECIAL_LENGTHS). */
    uint64_t special_lengths;
    char started;
} send_wrapper;

/* Interned at module init, never freed: "type", "headers" and the type
 * of the response start message. */
static PyObject *str_type;
static PyObject *str_headers;
static PyObject *str_response_start;


/*
 * headers + cors as a new list when merge_headers would return just that
 * (see above); NULL without an exception when merge_headers must decide.
 */
static PyObject *
plain_merge(send_wrapper *self, PyObject *headers)
{
    PyObject    **items, *pair, *name, *merged;
    Py_ssize_t    i, n, extra;

    if (!PyList_CheckExact(headers) && !PyTuple_CheckExact(headers)) {
        return NULL;
    }

    if (!PyList_CheckExact(self->cors)) {
        return NULL;
    }

    n = PySequence_Fast_GET_SIZE(headers);
    items = PySequence_Fast_ITEMS(headers);

    for (i = 0; i < n; i++) {
        pair = items[i];
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            return NULL;
        }

        name = PyTuple_GET_ITEM(pair, 0);
        if (!PyBytes_CheckExact(name)) {
            return NULL;
        }

        if (PyBytes_GET_SIZE(name) < 64
            && (self->special_lengths >> PyBytes_GET_SIZE(name)) & 1)
        {
            return NULL;
        }
    }

    extra = PyList_GET_SIZE(self->cors);
    merged = PyList_New(n + extra);
    if (merged == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        PyList_SET_ITEM(merged, i, Py_NewRef(items[i]));
    }

    for (i = 0; i < extra; i++) {
        PyList_SET_ITEM(merged, n + i,
                        Py_NewRef(PyList_GET_ITEM(self->cors, i)));
    }

    return merged;
}


static PyObject *
send_wrapper_start(send_wrapper *self, PyObject *message)
{
    PyObject  *copy, *headers, *merged, *args[2], *result;

    /* A copy, as dict(message): the application may reuse its messages. */
    copy = PyObject_CallOneArg((PyObject *) &PyDict_Type, message);
    if (copy == NULL) {
        return NULL;
    }

    headers = PyDict_GetItemWithError(copy, str_headers);
    if (headers == NULL && PyErr_Occurred()) {
        Py_DECREF(copy);
        return NULL;
    }

    merged = headers == NULL ? NULL : plain_merge(self, headers);
    if (merged != NULL) {
        goto send;
    }

    if (PyErr_Occurred()) {
        Py_DECREF(copy);
        return NULL;
    }

    args[0] = headers;
    args[1] = self->cors;
    if (headers == NULL) {
        args[0] = PyTuple_New(0);
        if (args[0] == NULL) {
            Py_DECREF(copy);
            return NULL;
        }
    } else {
        Py_INCREF(headers);
    }

    merged = PyObject_Vectorcall(self->merge, args, 2, NULL);
    Py_DECREF(args[0]);

send:

    if (merged == NULL || PyDict_SetItem(copy, str_headers, merged) != 0) {
        Py_XDECREF(merged);
        Py_DECREF(copy);
        return NULL;
    }

    Py_DECREF(merged);

    result = PyObject_CallOneArg(self->send, copy);
    Py_DECREF(copy);
    return result;
}


static PyObject *
send_wrapper_call(PyObject *callable, PyObject *const *args, size_t nargsf,
    PyObject *kwnames)
{
    send_wrapper  *self = (send_wrapper *) callable;
    PyObject      *type;
    int            start;

    if (PyVectorcall_NARGS(nargsf) != 1
        || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0))
    {
        PyErr_SetString(PyExc_TypeError,
                        "send() takes exactly one positional argument");
        return NULL;
    }

    type = PyObject_GetItem(args[0], str_type);
    if (type == NULL) {
        return NULL;
    }

    start = PyObject_RichCompareBool(type, str_response_start, Py_EQ);
    Py_DECREF(type);
    if (start < 0) {
        return NULL;
    }

    if (!start) {
        return PyObject_CallOneArg(self->send, args[0]);
    }

    self->started = 1;
    return send_wrapper_start(self, args[0]);
}


static int
send_wrapper_traverse(PyObject *o, visitproc visit, void *arg)
{
    send_wrapper  *self = (send_wrapper *) o;

    Py_VISIT(self->send);
    Py_VISIT(self->cors);
    Py_VISIT(self->merge);
    return 0;
}


static int
send_wrapper_clear(PyObject *o)
{
    send_wrapper  *self = (send_wrapper *) o;

    Py_CLEAR(self->send);
    Py_CLEAR(self->cors);
    Py_CLEAR(self->merge);
    return 0;
}


static void
send_wrapper_dealloc(PyObject *o)
{
    PyObject_GC_UnTrack(o);
    send_wrapper_clear(o);
    PyObject_GC_Del(o);
}


static PyMemberDef send_wrapper_members[] = {
    { "started", T_BOOL, offsetof(send_wrapper, started), READONLY,
      "Whether the response start message went through." },
    { NULL, 0, 0, 0, NULL }
};


static PyTypeObject send_wrapper_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "corsgate._speedups.SendWithCORS",
    .tp_doc = "The send of an actual CORS request (see corsgate.asgi).",
    .tp_basicsize = sizeof(send_wrapper),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
                | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(send_wrapper, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_traverse = send_wrapper_traverse,
    .tp_clear = send_wrapper_clear,
    .tp_dealloc = send_wrapper_dealloc,
    .tp_members = send_wrapper_members,
};


PyDoc_STRVAR(send_with_cors_doc,
"send_with_cors(send, cors, merge, special_lengths, /)\n"
"--\n"
"\n"
"The send to hand an ASGI application: forwards every message to\n"
"``send`` and returns its awaitable; the response start message goes as\n"
"a copy whose headers are ``merge(headers, cors)``. ``special_lengths``\n"
"has bit n set when merge treats a name of length n specially; without\n"
"such a name, the headers are ``headers + cors`` without calling merge.\n"
"``.started`` says whether the start message went through.");

static PyObject *
speedups_send_with_cors(PyObject *module, PyObject *const *args,
    Py_ssize_t nargs)
{
    send_wrapper  *self;
    uint64_t       special_lengths;

    (void) module;

    if (wrong_arg_count("send_with_cors", nargs, 4)) {
        return NULL;
    }

    special_lengths = PyLong_AsUnsignedLongLong(args[3]);
    if (special_lengths == (uint64_t) -1 && PyErr_Occurred()) {
        return NULL;
    }

    self = PyObject_GC_New(send_wrapper, &send_wrapper_type);
    if (self == NULL) {
        return NULL;
    }

    self->vectorcall = send_wrapper_call;
    self->send = Py_NewRef(args[0]);
    self->cors = Py_NewRef(args[1]);
    self->merge = Py_NewRef(args[2]);
    self->special_lengths = special_lengths;
    self->started = 0;
    PyObject_GC_Track((PyObject *) self);

    return (PyObject *) self;
}


static PyMethodDef speedups_methods[] = {
    { "evaluate", (PyCFunction) (void (*)(void)) speedups_evaluate,
      METH_FASTCALL, evaluate_doc },
    { "evaluate_head", (PyCFunction) (void (*)(void)) speedups_evaluate_head,
      METH_FASTCALL, evaluate_head_doc },
    { "configure", (PyCFunction) (void (*)(void)) speedups_configure,
      METH_FASTCALL, configure_doc },
    { "library_marker", speedups_library_marker, METH_NOARGS,
      library_marker_doc },
    { "send_with_cors", (PyCFunction) (void (*)(void)) speedups_send_with_cors,
      METH_FASTCALL, send_with_cors_doc },
    { NULL, NULL, 0, NULL }
};


static int
speedups_traverse(PyObject *module, visitproc visit, void *arg)
{
    speedups_state  *st = get_state(module);
    size_t           i;

    Py_VISIT(st->decision_type);
    Py_VISIT(st->slot_kind);
    Py_VISIT(st->slot_allowed);
    Py_VISIT(st->slot_reason);
    Py_VISIT(st->slot_status);
    Py_VISIT(st->slot_raw_headers);
    Py_VISIT(st->kinds);
    Py_VISIT(st->reasons);
    Py_VISIT(st->spellings);

    for (i = 0; i < st->name_count; i++) {
        Py_VISIT(st->names[i].lowered);
    }

    return 0;
}


static int
speedups_clear(PyObject *module)
{
    speedups_state  *st = get_state(module);
    size_t           i;

    Py_CLEAR(st->decision_type);
    Py_CLEAR(st->slot_kind);
    Py_CLEAR(st->slot_allowed);
    Py_CLEAR(st->slot_reason);
    Py_CLEAR(st->slot_status);
    Py_CLEAR(st->slot_raw_headers);
    Py_CLEAR(st->kinds);
    Py_CLEAR(st->reasons);
    Py_CLEAR(st->spellings);

    for (i = 0; i < st->name_count; i++) {
        Py_CLEAR(st->names[i].lowered);
    }
    st->name_count = 0;

    return 0;
}


static void
speedups_free(void *module)
{
    speedups_clear((PyObject *) module);
}


PyDoc_STRVAR(module_doc,
"Native fast path of corsgate.Policy.evaluate and evaluate_head.\n"
"\n"
"Internal: corsgate selects it at import (see corsgate.BACKEND).");

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "corsgate._speedups",
    module_doc,
    sizeof(speedups_state),
    speedups_methods,
    NULL,
    speedups_traverse,
    speedups_clear,
    speedups_free,
};


PyMODINIT_FUNC
PyInit__speedups(void)
{
    PyObject  *module;

    if (corsgate_abi_version() != CORSGATE_ABI_VERSION) {
        PyErr_Format(PyExc_ImportError,
                     "corsgate._speedups was compiled for C ABI %d but "
                     "libcorsgate speaks version %u",
                     CORSGATE_ABI_VERSION, (unsigned) corsgate_abi_version());
        return NULL;
    }

    if (str_type == NULL) {
        str_type = PyUnicode_InternFromString("type");
        str_headers = PyUnicode_InternFromString("headers");
        str_response_start = PyUnicode_InternFromString("http.response.start");
        if (str_type == NULL || str_headers == NULL
            || str_response_start == NULL)
        {
            Py_CLEAR(str_type);
            Py_CLEAR(str_headers);
            Py_CLEAR(str_response_start);
            return NULL;
        }
    }

    if (PyType_Ready(&send_wrapper_type) != 0) {
        return NULL;
    }

    module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }

    /* The header's numbers, which corsgate._ffi repeats: the package
     * compares them at import (see _backend.py). */
    if (PyModule_AddIntConstant(module, "ABI_VERSION", CORSGATE_ABI_VERSION)
        || PyModule_AddIntConstant(module, "MAX_HEADERS", CORSGATE_MAX_HEADERS))
    {
        Py_DECREF(module);
        return NULL;
    }

    /* PyModule_Create zeroes m_size bytes of state: unconfigured, no
     * cached names. */
    return module;
}
