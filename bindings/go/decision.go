//go:build cgo

package corsgate

import (
	"fmt"
	"math/bits"
	"net/http"
)

// Kind is what kind of request was evaluated.
type Kind uint8

// String is the kind's stable name: "not_cors", "preflight" or "actual".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Reason is why a request was decided the way it was.
type Reason uint8

// String is the reason's stable snake_case name, as every corsgate host
// logs it ("ok", "origin_not_allowed", …).
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// headerNames are the names cg_evaluate numbers (CG_NAME_*), as they go
// on the wire and as http.Header keys them.
var headerNames = [...]string{
	nameVary:                "Vary",
	nameAllowOrigin:         "Access-Control-Allow-Origin",
	nameAllowCredentials:    "Access-Control-Allow-Credentials",
	nameAllowMethods:        "Access-Control-Allow-Methods",
	nameAllowHeaders:        "Access-Control-Allow-Headers",
	nameMaxAge:              "Access-Control-Max-Age",
	nameAllowPrivateNetwork: "Access-Control-Allow-Private-Network",
	nameExposeHeaders:       "Access-Control-Expose-Headers",
}

// Header is one response header of a decision.
type Header struct {
	Name, Value string
}

// Decision is the engine's answer for one request.
type Decision struct {
	Kind Kind
	// Whether the request is allowed (never for KindNotCORS).
	Allowed bool
	Reason  Reason
	// The status to answer a preflight with (204 or 200 allowed, 403
	// denied), or 0 when the application answers.
	Status int

	n       uint8
	headers [MaxHeaders]Header
	// values[i] is headers[i].Value as a one-element slice that can go into
	// an http.Header as is (cached for the policy, or the request's own
	// slice), or nil when Apply has to make one.
	values [MaxHeaders][]string
	// borrowed has bit i set when headers[i].Value and values[i] point
	// into the request, the only entries a recycled Decision must drop.
	borrowed uint16
}

// copyFrom makes d a copy of src, touching only the headers src uses.
func (d *Decision) copyFrom(src *Decision) {
	n := src.n
	d.Kind, d.Allowed, d.Reason, d.Status, d.n = src.Kind, src.Allowed, src.Reason, src.Status, n
	copy(d.headers[:n], src.headers[:n])
	copy(d.values[:n], src.values[:n])
	d.borrowed = src.borrowed
}

// forget drops what d borrows from its request, so that a recycled
// Decision keeps no request memory alive; the next evaluation overwrites
// the rest.
func (d *Decision) forget() {
	for b := d.borrowed; b != 0; b &= b - 1 {
		i := bits.TrailingZeros16(b)
		d.headers[i].Value = ""
		d.values[i] = nil
	}
	d.borrowed = 0
	d.n = 0
}

// Headers are the CORS response headers to add, in order. The slice
// borrows from d.
func (d *Decision) Headers() []Header { return d.headers[:d.n] }

// Apply writes the decision's headers into h: it sets each CORS header and
// appends to Vary (a token already listed is not repeated). It allocates
// nothing unless h already has a Vary or the request sent its
// Access-Control-Request-Headers as several lines.
//
// The values Apply stores are shared (with the request's header map or
// across requests): replace them with Set, never write into the slices.
func (d *Decision) Apply(h http.Header) {
	n := int(d.n)
	for i := 0; i < n; i++ {
		name := d.headers[i].Name
		if name == "Vary" {
			d.appendVary(h, i)
			continue
		}
		if i+1 < n && d.headers[i+1].Name == name {
			// Several lines of one header (Access-Control-Allow-Headers
			// echoing each request line).
			vals := []string{d.headers[i].Value}
			for i+1 < n && d.headers[i+1].Name == name {
				i++
				vals = append(vals, d.headers[i].Value)
			}
			h[name] = vals
			continue
		}
		v := d.values[i]
		if v == nil {
			v = []string{d.headers[i].Value}
		}
		h[name] = v
	}
}

// applyTo is Apply, without the Vary lookup when h is empty (a preflight
// answer, or an application that set no header).
func (d *Decision) applyTo(h http.Header) {
	if len(h) == 0 {
		d.applyFresh(h)
		return
	}
	d.Apply(h)
}

// applyFresh is Apply for a header map known to be empty.
func (d *Decision) applyFresh(h http.Header) {
	n := int(d.n)
	for i := 0; i < n; i++ {
		if v := d.values[i]; v != nil && (i+1 == n || d.headers[i+1].Name != d.headers[i].Name) {
			h[d.headers[i].Name] = v
			continue
		}
		d.Apply(h) // a value that must be made: the general path
		return
	}
}

func (d *Decision) appendVary(h http.Header, i int) {
	cur := h["Vary"]
	if len(cur) == 0 {
		h["Vary"] = d.values[i]
		return
	}
	ours := d.headers[i].Value
	missing, all := "", true
	for rest := ours; rest != ""; {
		tok, next := nextToken(rest)
		rest = next
		if tok == "" {
			continue
		}
		switch varyHas(cur, tok) {
		case varyStar:
			return
		case varyListed:
			all = false
		default:
			if missing != "" {
				missing += ", "
			}
			missing += tok
		}
	}
	if missing == "" {
		return
	}
	if all {
		missing = ours
	}
	h["Vary"] = append(cur[:len(cur):len(cur)], missing)
}

// nextToken splits a comma-separated list: the first element, trimmed,
// and the rest after its comma.
func nextToken(s string) (string, string) {
	end, rest := len(s), ""
	for j := 0; j < len(s); j++ {
		if s[j] == ',' {
			end, rest = j, s[j+1:]
			break
		}
	}
	return trimOWS(s[:end]), rest
}

func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

const (
	varyAbsent = iota
	varyListed
	varyStar
)

// varyHas says whether the Vary lines list tok (ASCII case-insensitive) or
// "*", which already covers everything.
func varyHas(lines []string, tok string) int {
	found := varyAbsent
	for _, l := range lines {
		for rest := l; rest != ""; {
			t, next := nextToken(rest)
			rest = next
			if t == "*" {
				return varyStar
			}
			if equalFold(t, tok) {
				found = varyListed
			}
		}
	}
	return found
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
