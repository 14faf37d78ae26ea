//go:build cgo

package corsgate

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Config is a policy, one field per key of the policy file (the struct tag
// names the key). The zero value of a field is the file's default for that
// key, except Origins, which must be given: there is no implicit default.
type Config struct {
	// Allowed origins and origin patterns: "https://app.example.com",
	// "https://*.example.com" (subdomains, never the apex),
	// "http://localhost:*" (any port) or "*" (any origin, without
	// credentials only). Written in canonical form: lower case, no path,
	// no default port.
	Origins []string `toml:"origins"`
	// Allowed methods besides GET, HEAD and POST, which are always allowed;
	// "*" allows any method (without credentials only).
	Methods []string `toml:"methods"`
	// Allowed request header names (case-insensitive); "*" allows any name
	// but authorization (without credentials only).
	RequestHeaders []string `toml:"request_headers"`
	// Response header names scripts may read; "*" exposes all (without
	// credentials only).
	ExposeHeaders []string `toml:"expose_headers"`
	// Allow credentialed requests (cookies, Authorization).
	Credentials bool `toml:"credentials"`
	// How long browsers may cache a preflight, in seconds (0–86400). As in
	// rs/cors and jub0bs/cors, 0 sends no Access-Control-Max-Age header and
	// -1 sends "0"; the policy file writes max_age = 0 for that.
	MaxAge int `toml:"max_age"`
	// Answer Private Network Access preflights.
	PrivateNetwork bool `toml:"private_network"`
	// The status of an allowed preflight: 204 (when 0, the default) or 200.
	PreflightStatus int `toml:"preflight_status"`
	// What happens to a preflight the policy denies: "reject" (when empty,
	// the default: 403 without CORS headers) or "forward" (the application
	// answers it, without CORS headers).
	DeniedPreflight string `toml:"denied_preflight"`
	// "enforce" (when empty, the default) or "report-only": decide, change
	// nothing about the response.
	Mode string `toml:"mode"`
	// Allow clear-text, non-loopback origins with credentials.
	DangerouslyAllowInsecureOrigins bool `toml:"dangerously_allow_insecure_origins"`
	// Allow "https://*.<public suffix>" patterns with credentials.
	DangerouslyAllowPublicSuffixSubdomains bool `toml:"dangerously_allow_public_suffix_subdomains"`
	// Allow the "null" origin (sandboxed iframes, file: pages: anyone can
	// send it).
	DangerouslyAllowNullOrigin bool `toml:"dangerously_allow_null_origin"`
}

// ErrClosed is the panic value of an evaluation on a closed Policy.
var ErrClosed = errors.New("corsgate: policy used after Close")

// Policy is a validated, compiled, immutable policy. One Policy serves any
// number of goroutines at once. Its native memory is released by Close, or
// by a finalizer once the Policy is unreachable.
type Policy struct {
	h      handle
	values valueCache
	mu     sync.Mutex // serialises Close
	// The decision for every request without Origin. The engine decides
	// those from the policy alone (not_cors, and Vary: Origin unless
	// report-only), so it is worked out once, by the engine, when the
	// policy is built, and such requests cost no cgo call.
	noOrigin Decision
}

// New validates and compiles c. A refused policy returns an ErrorList
// holding every problem at once.
func New(c Config) (*Policy, error) {
	if abiError != nil {
		return nil, abiError
	}
	var goErrs ErrorList
	maxAge, hasMaxAge := int64(c.MaxAge), c.MaxAge != 0
	if c.MaxAge == -1 {
		maxAge = 0
	}
	denied, mode := uint32(deniedReject), uint32(modeEnforce)
	switch c.DeniedPreflight {
	case "", "reject":
	case "forward":
		denied = deniedForward
	default:
		goErrs = append(goErrs, Error{ErrInvalidValue, c.DeniedPreflight,
			fmt.Sprintf("denied_preflight must be one of \"reject\", \"forward\", not %q", c.DeniedPreflight)})
	}
	switch c.Mode {
	case "", "enforce":
	case "report-only":
		mode = modeReportOnly
	default:
		goErrs = append(goErrs, Error{ErrInvalidValue, c.Mode,
			fmt.Sprintf("mode must be one of \"enforce\", \"report-only\", not %q", c.Mode)})
	}

	b, err := newBuilder()
	if err != nil {
		return nil, err
	}
	lists := [...]struct {
		key    string
		list   int
		values []string
	}{
		{"origins", listOrigins, c.Origins},
		{"methods", listMethods, c.Methods},
		{"request_headers", listRequestHeaders, c.RequestHeaders},
		{"expose_headers", listExposeHeaders, c.ExposeHeaders},
	}
	for _, l := range lists {
		for _, v := range l.values {
			ok, err := b.add(l.list, v)
			if err != nil {
				b.free()
				return nil, err
			}
			if !ok {
				goErrs = append(goErrs, Error{ErrInvalidValue, strings.ToValidUTF8(v, "\uFFFD"),
					fmt.Sprintf("%s holds a value that is not valid UTF-8", l.key)})
			}
		}
	}
	if err := b.set(&c, maxAge, hasMaxAge, denied, mode); err != nil {
		b.free()
		return nil, err
	}
	h, engineErrs, err := b.build()
	if err != nil {
		return nil, err
	}
	if all := append(goErrs, engineErrs...); len(all) > 0 {
		if h != nil {
			freeHandle(h)
		}
		return nil, all
	}
	return wrap(h), nil
}

// Parse validates and compiles a policy file's text (TOML, the same format
// for every corsgate host). A refused policy returns an ErrorList.
func Parse(toml []byte) (*Policy, error) {
	if abiError != nil {
		return nil, abiError
	}
	if !utf8.Valid(toml) {
		return nil, ErrorList{{ErrTOMLSyntax, "", "the policy file is not valid UTF-8"}}
	}
	h, errs, err := fromTOML(toml)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return wrap(h), nil
}

// Load reads and compiles a policy file. A refused policy returns an
// ErrorList; the error names the file.
func Load(path string) (*Policy, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

func wrap(h handle) *Policy {
	p := &Policy{h: h}
	p.decide(&p.noOrigin, "GET", nil, nil)
	runtime.SetFinalizer(p, (*Policy).Close)
	return p
}

// Close releases the native policy. It is idempotent. Close must not run
// while other goroutines still evaluate with p: it is for shutdown or
// reload, after the last request using p; an evaluation after Close
// panics with ErrClosed.
func (p *Policy) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h != nil {
		freeHandle(p.h)
		p.h = nil
		runtime.SetFinalizer(p, nil)
	}
	return nil
}

func (p *Policy) live() handle {
	h := p.h
	if h == nil {
		panic(ErrClosed)
	}
	return h
}

// Evaluate decides r. It reads only r.Method and r.Header; a Handler does
// this itself, Evaluate is for hosts that apply decisions their own way.
func (p *Policy) Evaluate(r *http.Request) Decision {
	var d Decision
	p.evaluate(&d, r.Method, r.Header)
	return d
}

// EvaluateHeader decides a request given as its method and header map. The
// map's keys must be in canonical form, as net/http and Header.Set make
// them ("Origin", "Access-Control-Request-Method").
func (p *Policy) EvaluateHeader(method string, h http.Header) Decision {
	var d Decision
	p.evaluate(&d, method, h)
	return d
}

// valueCache maps the decision values that come from the policy or from
// static data (header names, joined lists, max-age digits, "*", "true", the
// Vary lists) to Go strings, keyed by the address the engine returned. The
// policy is immutable, so an address always holds the same bytes, and a
// policy has only a few such values: after the first requests every lookup
// hits and nothing is copied or allocated. Reads are lock-free: a lookup
// is one load from a direct-mapped slot, then a scan of the list; a miss
// copies under the mutex.
type valueCache struct {
	slots   [cacheSlots]atomic.Pointer[cachedValue]
	entries atomic.Pointer[[]cachedValue]
	mu      sync.Mutex
}

type cachedValue struct {
	addr uintptr
	n    int
	s    string
	vals []string // []string{s} with cap 1, for http.Header
}

// maxCached bounds the cache; the engine's own constants and one policy's
// values stay far below it.
const maxCached = 128

// cacheSlots is the size of the direct-mapped front of the cache, 1<<6
// (slotOf); a slot keeps its first value, so two values that collide
// never evict each other, and the second is found in the list.
const cacheSlots = 64

func slotOf(addr uintptr, n int) uint64 {
	// Fibonacci hashing: the top bits of the product mix every bit of the
	// address, which the engine's constants share most of.
	return (uint64(addr) + uint64(n)) * 0x9E3779B97F4A7C15 >> (64 - 6)
}

// get returns the entry for addr. Entries are never changed once
// published (a miss publishes a new array and leaves the old one alone),
// so a pointer to one stays valid and correct.
func (c *valueCache) get(addr uintptr, n int) *cachedValue {
	slot := &c.slots[slotOf(addr, n)]
	if v := slot.Load(); v != nil && v.addr == addr && v.n == n {
		return v
	}
	v := c.find(addr, n)
	slot.CompareAndSwap(nil, v)
	return v
}

func (c *valueCache) find(addr uintptr, n int) *cachedValue {
	if e := c.entries.Load(); e != nil {
		for i := range *e {
			if v := &(*e)[i]; v.addr == addr && v.n == n {
				return v
			}
		}
	}
	return c.miss(addr, n)
}

func (c *valueCache) miss(addr uintptr, n int) *cachedValue {
	c.mu.Lock()
	defer c.mu.Unlock()
	var old []cachedValue
	if e := c.entries.Load(); e != nil {
		old = *e
		for i := range old {
			if v := &old[i]; v.addr == addr && v.n == n {
				return v
			}
		}
	}
	s := ""
	if n > 0 {
		s = copyOut(addr, n)
	}
	v := cachedValue{addr: addr, n: n, s: s, vals: []string{s}}
	if len(old) < maxCached {
		next := make([]cachedValue, len(old), len(old)+1)
		copy(next, old)
		next = append(next, v)
		c.entries.Store(&next)
		return &next[len(old)]
	}
	return &v
}
