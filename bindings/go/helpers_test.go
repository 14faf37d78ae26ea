package corsgate

import (
	"net/http"
	"testing"
)

// A credentialed policy like the one the peers are benchmarked with.
var testConfig = Config{
	Origins:        []string{"https://app.example.com", "https://*.example.org"},
	Methods:        []string{"GET", "POST", "PUT", "DELETE"},
	RequestHeaders: []string{"Content-Type", "Authorization", "X-Request-Id"},
	ExposeHeaders:  []string{"X-Request-Id"},
	Credentials:    true,
	MaxAge:         600,
}

func mustNew(t testing.TB, c Config) *Policy {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func chromePreflight() http.Header {
	return http.Header{
		"Origin":                         {"https://app.example.com"},
		"Access-Control-Request-Method":  {"PUT"},
		"Access-Control-Request-Headers": {"authorization,content-type"},
		"Accept":                         {"*/*"},
		"User-Agent":                     {"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0"},
		"Sec-Fetch-Mode":                 {"cors"},
	}
}

func actualRequest(origin string) http.Header {
	return http.Header{
		"Origin":     {origin},
		"Accept":     {"application/json"},
		"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0"},
	}
}

// recorder is a minimal ResponseWriter whose header map is reused across
// runs (cleared, so its capacity stays): allocation counts then show what
// the middleware allocates, not the growth of a fresh map, which net/http
// pays for every response whatever the middleware.
type recorder struct {
	h      http.Header
	status int
	body   int
}

func newRecorder() *recorder { return &recorder{h: make(http.Header, 16)} }

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	r.body += len(b)
	return len(b), nil
}
func (r *recorder) reset() {
	clear(r.h)
	r.status, r.body = 0, 0
}
