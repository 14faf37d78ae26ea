//go:build cgo

package corsgate

// Every call into the native library goes through this file.
//
// The request path is one cgo call, cg_evaluate for an OPTIONS request or
// cg_evaluate_simple (6 arguments instead of 25) for any other, and it
// allocates nothing on the Go side:
//
//   - Go hands C only pointers to bytes (the method and the header values),
//     each as its own argument, never a Go struct holding pointers, so the
//     cgo pointer rules hold without runtime.Pinner. The bytes are string
//     data the request already keeps on the heap, so passing them makes
//     nothing new escape.
//   - Each builds the corsgate_view on the C stack, calls
//     corsgate_evaluate_view and writes a compact decision into the
//     caller's variable (Evaluate's stack, or the Handler's pooled
//     per-request state, which holds no Go pointers). `#cgo noescape`
//     tells the compiler C keeps no pointer to it, so a stack variable
//     stays on the stack (without the annotation, any pointer handed to C
//     escapes and costs an allocation per call); `#cgo nocallback` says C
//     never calls back into Go.
//   - The decision's values borrow from the request or from the policy. C
//     says which request field (and where in it) a value came from, so Go
//     can slice its own string instead of copying bytes; a value from the
//     policy or from static data is returned as its pointer, which Go maps
//     to a string it cached for that policy (see valueCache).

/*
#cgo noescape cg_evaluate
#cgo nocallback cg_evaluate
#cgo noescape cg_evaluate_simple
#cgo nocallback cg_evaluate_simple
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "corsgate.h"

// Where a decision header's value comes from: CG_SRC_OTHER is the policy or
// static data (ptr is set); the others are request fields (off and len
// locate the value in the field), CG_SRC_ACRH + k being the k-th
// Access-Control-Request-Headers line.
enum {
	CG_SRC_OTHER = 0,
	CG_SRC_METHOD = 1,
	CG_SRC_ORIGIN = 2,
	CG_SRC_ACRM = 3,
	CG_SRC_ACRPN = 4,
	CG_SRC_ACRH = 5,
};

// The ACRH lines passed through. The engine keeps four and refuses a
// request with more as a whole, whatever the extra lines hold, so a fifth
// line stands for "more than four".
#define CG_ACRH_LINES 5

// The response header names a decision uses, numbered for Go's table
// (names in decision.go); CG_NAME_OTHER means a name this file does not
// know, passed as its address like a policy value.
enum {
	CG_NAME_VARY = 0,
	CG_NAME_ALLOW_ORIGIN,
	CG_NAME_ALLOW_CREDENTIALS,
	CG_NAME_ALLOW_METHODS,
	CG_NAME_ALLOW_HEADERS,
	CG_NAME_MAX_AGE,
	CG_NAME_ALLOW_PRIVATE_NETWORK,
	CG_NAME_EXPOSE_HEADERS,
	CG_NAME_OTHER = 255,
};

// The engine's names are short constants; comparing them with a constant
// length lets the compiler inline the comparison (a libc memcmp call per
// header was a visible share of a request).
#define CG_IS(name, lit) (memcmp((name).ptr, (lit), sizeof(lit) - 1) == 0)

static inline uint8_t cg_name_id(corsgate_slice name) {
	switch (name.len) {
	case 4:
		return CG_IS(name, "Vary") ? CG_NAME_VARY : CG_NAME_OTHER;
	case 27:
		return CG_IS(name, "Access-Control-Allow-Origin") ? CG_NAME_ALLOW_ORIGIN : CG_NAME_OTHER;
	case 32:
		return CG_IS(name, "Access-Control-Allow-Credentials") ? CG_NAME_ALLOW_CREDENTIALS : CG_NAME_OTHER;
	case 28:
		if (CG_IS(name, "Access-Control-Allow-Methods")) {
			return CG_NAME_ALLOW_METHODS;
		}
		return CG_IS(name, "Access-Control-Allow-Headers") ? CG_NAME_ALLOW_HEADERS : CG_NAME_OTHER;
	case 22:
		return CG_IS(name, "Access-Control-Max-Age") ? CG_NAME_MAX_AGE : CG_NAME_OTHER;
	case 36:
		return CG_IS(name, "Access-Control-Allow-Private-Network") ? CG_NAME_ALLOW_PRIVATE_NETWORK : CG_NAME_OTHER;
	case 29:
		return CG_IS(name, "Access-Control-Expose-Headers") ? CG_NAME_EXPOSE_HEADERS : CG_NAME_OTHER;
	default:
		return CG_NAME_OTHER;
	}
}

// Addresses are integers here, not pointers: Go never scans them, so the
// entries past count may hold anything.
typedef struct {
	uintptr_t addr;      // the value, for CG_SRC_OTHER
	uintptr_t name_addr; // the name, for CG_NAME_OTHER
	uint32_t off;
	uint32_t len;
	uint16_t name_len;
	uint8_t name;
	uint8_t src;
} cg_header;

typedef struct {
	uint32_t rc;
	uint16_t status;
	uint8_t kind;
	uint8_t allowed;
	uint8_t reason;
	uint8_t count;
	cg_header headers[CORSGATE_MAX_HEADERS];
} cg_result;

static inline int cg_within(const corsgate_slice *field, const corsgate_slice *v, uint32_t *off) {
	uintptr_t base = (uintptr_t)field->ptr, p = (uintptr_t)v->ptr;
	if (field->ptr == NULL || p < base || p - base > field->len || v->len > field->len - (p - base)) {
		return 0;
	}
	*off = (uint32_t)(p - base);
	return 1;
}

static inline corsgate_field cg_field(uint8_t state, const uint8_t *p, size_t n) {
	corsgate_field f;
	f.state = state;
	f.value.ptr = p;
	f.value.len = n;
	return f;
}

// cg_run calls the engine on view and writes the compact decision into
// out; lines/line_count are the ACRH lines view points at.
static inline void cg_run(cg_result *out, uintptr_t policy, const corsgate_view *view,
		const corsgate_slice *lines, size_t line_count) {
	corsgate_decision d;
	out->rc = corsgate_evaluate_view((const corsgate_policy *)policy, view, &d);
	out->count = 0;
	out->status = 0;
	out->kind = out->allowed = out->reason = 0;
	if (out->rc != CORSGATE_RESULT_OK) {
		return;
	}
	out->status = d.status;
	out->kind = d.kind;
	out->allowed = d.allowed;
	out->reason = d.reason;
	out->count = (uint8_t)(d.header_count < CORSGATE_MAX_HEADERS ? d.header_count : CORSGATE_MAX_HEADERS);
	for (uint8_t i = 0; i < out->count; i++) {
		const corsgate_header *h = &d.headers[i];
		cg_header *o = &out->headers[i];
		o->name = cg_name_id(h->name);
		o->name_len = (uint16_t)h->name.len;
		o->name_addr = o->name == CG_NAME_OTHER ? (uintptr_t)h->name.ptr : 0;
		o->addr = 0;
		o->off = 0;
		o->len = (uint32_t)h->value.len;
		o->src = CG_SRC_OTHER;
		if (h->value.len == 0) {
			continue;
		}
		if (cg_within(&view->origin.value, &h->value, &o->off)) {
			o->src = CG_SRC_ORIGIN;
		} else if (cg_within(&view->request_method.value, &h->value, &o->off)) {
			o->src = CG_SRC_ACRM;
		} else if (cg_within(&view->request_private_network.value, &h->value, &o->off)) {
			o->src = CG_SRC_ACRPN;
		} else if (cg_within(&view->method, &h->value, &o->off)) {
			o->src = CG_SRC_METHOD;
		} else {
			uint8_t k;
			for (k = 0; k < line_count; k++) {
				if (cg_within(&lines[k], &h->value, &o->off)) {
					o->src = (uint8_t)(CG_SRC_ACRH + k);
					break;
				}
			}
			if (k == line_count) {
				o->addr = (uintptr_t)h->value.ptr;
			}
		}
	}
}

// The policy travels as an integer: cgo checks every argument whose type
// may hold Go pointers at run time, and an opaque struct pointer is one.
static void cg_evaluate(cg_result *out, uintptr_t policy,
		const uint8_t *method, size_t method_len,
		uint8_t origin_state, const uint8_t *origin, size_t origin_len,
		uint8_t acrm_state, const uint8_t *acrm, size_t acrm_len,
		uint8_t acrpn_state, const uint8_t *acrpn, size_t acrpn_len,
		const uint8_t *l0, size_t n0, const uint8_t *l1, size_t n1,
		const uint8_t *l2, size_t n2, const uint8_t *l3, size_t n3,
		const uint8_t *l4, size_t n4, size_t line_count) {
	corsgate_slice lines[CG_ACRH_LINES] = {{l0, n0}, {l1, n1}, {l2, n2}, {l3, n3}, {l4, n4}};
	corsgate_view view;
	view.method.ptr = method;
	view.method.len = method_len;
	view.origin = cg_field(origin_state, origin, origin_len);
	view.request_method = cg_field(acrm_state, acrm, acrm_len);
	view.request_private_network = cg_field(acrpn_state, acrpn, acrpn_len);
	view.request_headers = lines;
	view.request_headers_count = line_count < CG_ACRH_LINES ? line_count : CG_ACRH_LINES;
	cg_run(out, policy, &view, lines, view.request_headers_count);
}

// cg_evaluate_simple is cg_evaluate for a request that is not OPTIONS: the
// engine reads no preflight field of those (Semantics 1), so they pass as
// absent and the call carries 6 arguments instead of 25.
static void cg_evaluate_simple(cg_result *out, uintptr_t policy,
		const uint8_t *method, size_t method_len,
		uint8_t origin_state, const uint8_t *origin, size_t origin_len) {
	corsgate_view view;
	view.method.ptr = method;
	view.method.len = method_len;
	view.origin = cg_field(origin_state, origin, origin_len);
	view.request_method = cg_field(CORSGATE_FIELD_STATE_ABSENT, NULL, 0);
	view.request_private_network = cg_field(CORSGATE_FIELD_STATE_ABSENT, NULL, 0);
	view.request_headers = NULL;
	view.request_headers_count = 0;
	cg_run(out, policy, &view, NULL, 0);
}

// cg_bytes turns an address from cg_evaluate back into a pointer, for
// copying the bytes of a value into Go once.
static inline const char *cg_bytes(uintptr_t p) { return (const char *)p; }
*/
import "C"

import (
	"fmt"
	"net/http"
	"runtime"
	"unsafe"
)

// The stable numbers of the C ABI, checked by the compiler against the
// header.
const (
	srcOther  = C.CG_SRC_OTHER
	srcMethod = C.CG_SRC_METHOD
	srcOrigin = C.CG_SRC_ORIGIN
	srcACRM   = C.CG_SRC_ACRM
	srcACRPN  = C.CG_SRC_ACRPN
	srcACRH   = C.CG_SRC_ACRH

	nameVary                = C.CG_NAME_VARY
	nameAllowOrigin         = C.CG_NAME_ALLOW_ORIGIN
	nameAllowCredentials    = C.CG_NAME_ALLOW_CREDENTIALS
	nameAllowMethods        = C.CG_NAME_ALLOW_METHODS
	nameAllowHeaders        = C.CG_NAME_ALLOW_HEADERS
	nameMaxAge              = C.CG_NAME_MAX_AGE
	nameAllowPrivateNetwork = C.CG_NAME_ALLOW_PRIVATE_NETWORK
	nameExposeHeaders       = C.CG_NAME_EXPOSE_HEADERS

	fieldAbsent   = C.CORSGATE_FIELD_STATE_ABSENT
	fieldOne      = C.CORSGATE_FIELD_STATE_ONE
	fieldRepeated = C.CORSGATE_FIELD_STATE_REPEATED

	// MaxHeaders is the most headers a Decision carries.
	MaxHeaders = C.CORSGATE_MAX_HEADERS
	// ABIVersion is the C ABI revision this package was compiled against.
	ABIVersion = C.CORSGATE_ABI_VERSION
)

// The kinds of request, as numbered by the C ABI.
const (
	KindNotCORS   Kind = C.CORSGATE_KIND_NOT_CORS
	KindPreflight Kind = C.CORSGATE_KIND_PREFLIGHT
	KindActual    Kind = C.CORSGATE_KIND_ACTUAL
)

// The reasons, as numbered by the C ABI.
const (
	ReasonOK                       Reason = C.CORSGATE_REASON_OK
	ReasonNoOrigin                 Reason = C.CORSGATE_REASON_NO_ORIGIN
	ReasonInvalidOrigin            Reason = C.CORSGATE_REASON_INVALID_ORIGIN
	ReasonOriginNotAllowed         Reason = C.CORSGATE_REASON_ORIGIN_NOT_ALLOWED
	ReasonMethodNotAllowed         Reason = C.CORSGATE_REASON_METHOD_NOT_ALLOWED
	ReasonHeaderNotAllowed         Reason = C.CORSGATE_REASON_HEADER_NOT_ALLOWED
	ReasonPrivateNetworkNotAllowed Reason = C.CORSGATE_REASON_PRIVATE_NETWORK_NOT_ALLOWED
	ReasonMalformedRequest         Reason = C.CORSGATE_REASON_MALFORMED_REQUEST
	ReasonRequestTooLarge          Reason = C.CORSGATE_REASON_REQUEST_TOO_LARGE
)

// The kinds of policy error, as numbered by the C ABI.
const (
	ErrTOMLSyntax                    ErrorKind = C.CORSGATE_ERROR_KIND_TOML_SYNTAX
	ErrUnknownKey                    ErrorKind = C.CORSGATE_ERROR_KIND_UNKNOWN_KEY
	ErrWrongType                     ErrorKind = C.CORSGATE_ERROR_KIND_WRONG_TYPE
	ErrInvalidValue                  ErrorKind = C.CORSGATE_ERROR_KIND_INVALID_VALUE
	ErrNoOrigins                     ErrorKind = C.CORSGATE_ERROR_KIND_NO_ORIGINS
	ErrWildcardWithCredentials       ErrorKind = C.CORSGATE_ERROR_KIND_WILDCARD_WITH_CREDENTIALS
	ErrNullOrigin                    ErrorKind = C.CORSGATE_ERROR_KIND_NULL_ORIGIN
	ErrInsecureOrigin                ErrorKind = C.CORSGATE_ERROR_KIND_INSECURE_ORIGIN
	ErrPublicSuffixWildcard          ErrorKind = C.CORSGATE_ERROR_KIND_PUBLIC_SUFFIX_WILDCARD
	ErrMisplacedWildcard             ErrorKind = C.CORSGATE_ERROR_KIND_MISPLACED_WILDCARD
	ErrOriginHasPath                 ErrorKind = C.CORSGATE_ERROR_KIND_ORIGIN_HAS_PATH
	ErrOriginHasUserinfo             ErrorKind = C.CORSGATE_ERROR_KIND_ORIGIN_HAS_USERINFO
	ErrDefaultPort                   ErrorKind = C.CORSGATE_ERROR_KIND_DEFAULT_PORT
	ErrInvalidPort                   ErrorKind = C.CORSGATE_ERROR_KIND_INVALID_PORT
	ErrUppercaseOrigin               ErrorKind = C.CORSGATE_ERROR_KIND_UPPERCASE_ORIGIN
	ErrNonASCIIOrigin                ErrorKind = C.CORSGATE_ERROR_KIND_NON_ASCII_ORIGIN
	ErrInvalidPunycode               ErrorKind = C.CORSGATE_ERROR_KIND_INVALID_PUNYCODE
	ErrInvalidOrigin                 ErrorKind = C.CORSGATE_ERROR_KIND_INVALID_ORIGIN
	ErrCanaryAllowed                 ErrorKind = C.CORSGATE_ERROR_KIND_CANARY_ALLOWED
	ErrOriginTooLong                 ErrorKind = C.CORSGATE_ERROR_KIND_ORIGIN_TOO_LONG
	ErrInvalidMethod                 ErrorKind = C.CORSGATE_ERROR_KIND_INVALID_METHOD
	ErrForbiddenMethod               ErrorKind = C.CORSGATE_ERROR_KIND_FORBIDDEN_METHOD
	ErrInvalidHeaderName             ErrorKind = C.CORSGATE_ERROR_KIND_INVALID_HEADER_NAME
	ErrForbiddenRequestHeader        ErrorKind = C.CORSGATE_ERROR_KIND_FORBIDDEN_REQUEST_HEADER
	ErrForbiddenExposedHeader        ErrorKind = C.CORSGATE_ERROR_KIND_FORBIDDEN_EXPOSED_HEADER
	ErrWildcardExposeWithCredentials ErrorKind = C.CORSGATE_ERROR_KIND_WILDCARD_EXPOSE_WITH_CREDENTIALS
	ErrMaxAgeOutOfRange              ErrorKind = C.CORSGATE_ERROR_KIND_MAX_AGE_OUT_OF_RANGE
	ErrInvalidPreflightStatus        ErrorKind = C.CORSGATE_ERROR_KIND_INVALID_PREFLIGHT_STATUS
)

const (
	modeEnforce    = C.CORSGATE_MODE_ENFORCE
	modeReportOnly = C.CORSGATE_MODE_REPORT_ONLY
	deniedReject   = C.CORSGATE_DENIED_PREFLIGHT_REJECT
	deniedForward  = C.CORSGATE_DENIED_PREFLIGHT_FORWARD
)

// abiError is set when the loaded library speaks another ABI revision
// than the header this package was compiled with (possible with the
// dynamic tag); every constructor returns it.
var abiError error

var (
	kindNames   []string
	reasonNames []string
	libVersion  string
)

func init() {
	if got := C.corsgate_abi_version(); got != C.CORSGATE_ABI_VERSION {
		abiError = fmt.Errorf("corsgate: the loaded libcorsgate has ABI version %d, this package needs %d: rebuild or reinstall the library", got, C.CORSGATE_ABI_VERSION)
	}
	libVersion = sliceString(C.corsgate_version())
	for i := 0; ; i++ {
		s := sliceString(C.corsgate_kind_str(C.uint32_t(i)))
		if s == "" {
			break
		}
		kindNames = append(kindNames, s)
	}
	for i := 0; ; i++ {
		s := sliceString(C.corsgate_reason_str(C.uint32_t(i)))
		if s == "" {
			break
		}
		reasonNames = append(reasonNames, s)
	}
}

// Version is the version of the linked libcorsgate, e.g. "0.1.0".
func Version() string { return libVersion }

// sliceString copies bytes that corsgate owns into a Go string.
func sliceString(s C.corsgate_slice) string {
	if s.len == 0 {
		return ""
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(s.ptr)), C.int(s.len))
}

// bytesOf is the data pointer of s for C, which only reads it during the
// call. An empty string passes NULL.
func bytesOf(s string) *C.uint8_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(s)))
}

func resultName(rc C.corsgate_result) string {
	return sliceString(C.corsgate_result_str(C.uint32_t(rc)))
}

// copyOut copies n bytes at an address cg_evaluate returned (policy or
// static memory, alive as long as the policy).
func copyOut(addr uintptr, n int) string {
	return C.GoStringN(C.cg_bytes(C.uintptr_t(addr)), C.int(n))
}

// handle is a policy as the C side holds it.
type handle = *C.corsgate_policy

func freeHandle(h handle) { C.corsgate_policy_free(h) }

// fromTOML builds a policy from a TOML document.
func fromTOML(doc []byte) (handle, ErrorList, error) {
	var p *C.corsgate_policy
	var errs *C.corsgate_errors
	var ptr *C.uint8_t
	if len(doc) > 0 {
		ptr = (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(doc)))
	}
	rc := C.corsgate_policy_from_toml(ptr, C.size_t(len(doc)), &p, &errs)
	runtime.KeepAlive(doc)
	return finishBuild(rc, p, errs)
}

func finishBuild(rc C.corsgate_result, p *C.corsgate_policy, errs *C.corsgate_errors) (handle, ErrorList, error) {
	switch rc {
	case C.CORSGATE_RESULT_OK:
		return p, nil, nil
	case C.CORSGATE_RESULT_INVALID_POLICY:
		defer C.corsgate_errors_free(errs)
		n := int(C.corsgate_errors_len(errs))
		list := make(ErrorList, 0, n)
		for i := 0; i < n; i++ {
			var e C.corsgate_build_error
			if C.corsgate_errors_get(errs, C.size_t(i), &e) != C.CORSGATE_RESULT_OK {
				break
			}
			list = append(list, Error{
				Kind:    ErrorKind(e.kind),
				Value:   sliceString(e.value),
				Message: sliceString(e.message),
			})
		}
		return nil, list, nil
	default:
		return nil, nil, fmt.Errorf("corsgate: building the policy failed: %s", resultName(rc))
	}
}

// builder wraps a corsgate_builder for New.
type builder struct{ b *C.corsgate_builder }

func newBuilder() (builder, error) {
	var b *C.corsgate_builder
	if rc := C.corsgate_builder_new(&b); rc != C.CORSGATE_RESULT_OK {
		return builder{}, fmt.Errorf("corsgate: creating a builder failed: %s", resultName(rc))
	}
	return builder{b}, nil
}

// The list keys a builder takes strings for.
const (
	listOrigins = iota
	listMethods
	listRequestHeaders
	listExposeHeaders
)

// add appends one string to a list key; false means it is not UTF-8.
func (b builder) add(list int, s string) (bool, error) {
	p, n := bytesOf(s), C.size_t(len(s))
	var rc C.corsgate_result
	switch list {
	case listOrigins:
		rc = C.corsgate_builder_add_origin(b.b, p, n)
	case listMethods:
		rc = C.corsgate_builder_add_method(b.b, p, n)
	case listRequestHeaders:
		rc = C.corsgate_builder_add_request_header(b.b, p, n)
	default:
		rc = C.corsgate_builder_add_expose_header(b.b, p, n)
	}
	runtime.KeepAlive(s)
	switch rc {
	case C.CORSGATE_RESULT_OK:
		return true, nil
	case C.CORSGATE_RESULT_INVALID_UTF8:
		return false, nil
	default:
		return false, fmt.Errorf("corsgate: adding %q failed: %s", s, resultName(rc))
	}
}

// set applies the scalar keys; each call only fails on a bug.
func (b builder) set(c *Config, maxAge int64, hasMaxAge bool, denied, mode uint32) error {
	rcs := []C.corsgate_result{
		C.corsgate_builder_set_credentials(b.b, C.bool(c.Credentials)),
		C.corsgate_builder_set_private_network(b.b, C.bool(c.PrivateNetwork)),
		C.corsgate_builder_set_dangerously_allow_insecure_origins(b.b, C.bool(c.DangerouslyAllowInsecureOrigins)),
		C.corsgate_builder_set_dangerously_allow_public_suffix_subdomains(b.b, C.bool(c.DangerouslyAllowPublicSuffixSubdomains)),
		C.corsgate_builder_set_dangerously_allow_null_origin(b.b, C.bool(c.DangerouslyAllowNullOrigin)),
		C.corsgate_builder_set_denied_preflight(b.b, C.uint32_t(denied)),
		C.corsgate_builder_set_mode(b.b, C.uint32_t(mode)),
	}
	if hasMaxAge {
		rcs = append(rcs, C.corsgate_builder_set_max_age(b.b, C.int64_t(maxAge)))
	}
	if c.PreflightStatus != 0 {
		rcs = append(rcs, C.corsgate_builder_set_preflight_status(b.b, C.int64_t(c.PreflightStatus)))
	}
	for _, rc := range rcs {
		if rc != C.CORSGATE_RESULT_OK {
			return fmt.Errorf("corsgate: configuring the builder failed: %s", resultName(rc))
		}
	}
	return nil
}

// build consumes the builder.
func (b builder) build() (handle, ErrorList, error) {
	var p *C.corsgate_policy
	var errs *C.corsgate_errors
	rc := C.corsgate_builder_build(b.b, &p, &errs)
	return finishBuild(rc, p, errs)
}

func (b builder) free() { C.corsgate_builder_free(b.b) }

// fieldOf is the state and value of a singleton request field.
func fieldOf(v []string) (C.uint8_t, string) {
	switch len(v) {
	case 0:
		return fieldAbsent, ""
	case 1:
		return fieldOne, v[0]
	default:
		return fieldRepeated, ""
	}
}

func line(lines []string, k int) string {
	if k < len(lines) {
		return lines[k]
	}
	return ""
}

// cgResult is cg_evaluate's output. The Handler keeps one in its pooled
// per-request state, so a request does not clear its ~400 bytes before the
// call; it holds no Go pointers, so C may write into it where it lies.
type cgResult = C.cg_result

// evaluate runs the engine once on the request's CORS fields and fills d.
// Header keys are looked up in net/http's canonical form.
func (p *Policy) evaluate(d *Decision, method string, h http.Header) {
	origins := h["Origin"]
	if len(origins) == 0 {
		d.copyFrom(p.noOriginDecision())
		return
	}
	p.decide(d, method, origins, h)
}

// noOriginDecision is the decision for every request without Origin,
// shared by them all: callers only read it.
func (p *Policy) noOriginDecision() *Decision {
	p.live()
	return &p.noOrigin
}

// decide asks the engine: one cgo call.
func (p *Policy) decide(d *Decision, method string, origins []string, h http.Header) {
	var r cgResult
	p.decideInto(d, &r, method, origins, h)
}

// fields are the request values a decision's headers may borrow.
type fields struct {
	method, origin, acrm, acrpn string
	// The header lines as the request holds them: a value that is a whole
	// one-line field reuses its slice.
	origins, acrms, acrpns, lines []string
}

// decideInto is decide with the caller's scratch space for C's answer.
func (p *Policy) decideInto(d *Decision, r *cgResult, method string, origins []string, h http.Header) {
	hd := C.uintptr_t(uintptr(unsafe.Pointer(p.live())))
	if method == "OPTIONS" {
		p.preflightInto(d, r, hd, method, origins, h)
		return
	}
	// Only a preflight reads the preflight fields (Semantics 1: a
	// preflight is an OPTIONS request), so the short call leaves them out.
	os, origin := fieldOf(origins)
	C.cg_evaluate_simple(r, hd, bytesOf(method), C.size_t(len(method)),
		os, bytesOf(origin), C.size_t(len(origin)))
	runtime.KeepAlive(p)
	p.decode(d, r, &fields{method: method, origin: origin, origins: origins})
}

// preflightInto is decideInto for an OPTIONS request, kept apart so that
// the other requests' path stays small.
func (p *Policy) preflightInto(d *Decision, r *cgResult, hd C.uintptr_t, method string, origins []string, h http.Header) {
	f := fields{
		method:  method,
		origins: origins,
		acrms:   h["Access-Control-Request-Method"],
		acrpns:  h["Access-Control-Request-Private-Network"],
		lines:   h["Access-Control-Request-Headers"],
	}
	var os, ms, ps C.uint8_t
	os, f.origin = fieldOf(origins)
	ms, f.acrm = fieldOf(f.acrms)
	ps, f.acrpn = fieldOf(f.acrpns)
	lines := f.lines
	l0, l1, l2, l3, l4 := line(lines, 0), line(lines, 1), line(lines, 2), line(lines, 3), line(lines, 4)
	C.cg_evaluate(r, hd,
		bytesOf(method), C.size_t(len(method)),
		os, bytesOf(f.origin), C.size_t(len(f.origin)),
		ms, bytesOf(f.acrm), C.size_t(len(f.acrm)),
		ps, bytesOf(f.acrpn), C.size_t(len(f.acrpn)),
		bytesOf(l0), C.size_t(len(l0)), bytesOf(l1), C.size_t(len(l1)),
		bytesOf(l2), C.size_t(len(l2)), bytesOf(l3), C.size_t(len(l3)),
		bytesOf(l4), C.size_t(len(l4)), C.size_t(len(lines)))
	runtime.KeepAlive(p)
	p.decode(d, r, &f)
}

// decode turns C's answer into d: names and policy values from the
// policy's cache, request values sliced from f.
func (p *Policy) decode(d *Decision, r *cgResult, f *fields) {
	if r.rc != C.CORSGATE_RESULT_OK {
		// Every input a Go request can hold is valid for the view form, so
		// this is a bug in corsgate, not a property of the request.
		panic(fmt.Sprintf("corsgate: evaluation failed: %s", resultName(C.corsgate_result(r.rc))))
	}
	d.Kind = Kind(r.kind)
	d.Allowed = r.allowed != 0
	d.Reason = Reason(r.reason)
	d.Status = int(r.status)
	d.n = uint8(r.count)
	d.borrowed = 0
	for i := 0; i < int(r.count); i++ {
		ch := &r.headers[i]
		out := &d.headers[i]
		if int(ch.name) < len(headerNames) {
			out.Name = headerNames[ch.name]
		} else {
			out.Name = p.values.get(uintptr(ch.name_addr), int(ch.name_len)).s
		}
		off, n := int(ch.off), int(ch.len)
		var field string
		var whole []string // the request's own one-value slice, reusable as is
		switch ch.src {
		case srcOther:
			v := p.values.get(uintptr(ch.addr), n)
			out.Value = v.s
			d.values[i] = v.vals
			continue
		case srcOrigin:
			field, whole = f.origin, f.origins
		case srcACRM:
			field, whole = f.acrm, f.acrms
		case srcACRPN:
			field, whole = f.acrpn, f.acrpns
		case srcMethod:
			field = f.method
		default:
			k := int(ch.src) - srcACRH
			field = line(f.lines, k)
			if len(f.lines) == 1 {
				whole = f.lines
			}
		}
		if off > len(field) || n > len(field)-off {
			panic("corsgate: a decision value lies outside its request field")
		}
		out.Value = field[off : off+n]
		d.borrowed |= 1 << i
		if whole != nil && len(whole) == 1 && off == 0 && n == len(field) {
			d.values[i] = whole[:1:1]
		} else {
			d.values[i] = nil
		}
	}
}

// abiVersion is the cheapest call into the library; benchmarks use it to
// measure a bare cgo call.
func abiVersion() uint32 { return uint32(C.corsgate_abi_version()) }
