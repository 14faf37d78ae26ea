package corsgate

import (
	"net/http"
	"testing"
)

func requireNoAllocs(t *testing.T, what string, f func()) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	if n := testing.AllocsPerRun(1000, f); n != 0 {
		t.Errorf("%s: %v allocations per run, want 0", what, n)
	}
}

func TestEvaluateAllocatesNothing(t *testing.T) {
	p := mustNew(t, testConfig)
	for name, tc := range map[string]struct {
		method string
		h      http.Header
	}{
		"preflight":        {"OPTIONS", chromePreflight()},
		"actual allowed":   {"GET", actualRequest("https://app.example.com")},
		"actual denied":    {"GET", actualRequest("https://evil.example")},
		"no origin":        {"GET", http.Header{"Accept": {"*/*"}}},
		"invalid origin":   {"GET", actualRequest("https://APP.example.com/")},
		"wildcard allowed": {"GET", actualRequest("https://a.b.example.org")},
	} {
		var d Decision
		requireNoAllocs(t, name, func() { p.evaluate(&d, tc.method, tc.h) })
		if d.Kind == KindNotCORS && name != "no origin" {
			t.Errorf("%s: kind %s", name, d.Kind)
		}
	}
}

func TestHandlerAllocatesNothing(t *testing.T) {
	p := mustNew(t, testConfig)
	contentType := []string{"application/json"}
	app := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = contentType
		w.WriteHeader(http.StatusOK)
	})
	h := p.Handler(app)
	for name, tc := range map[string]struct {
		req    *http.Request
		status int
		acao   string
	}{
		"preflight":      {&http.Request{Method: "OPTIONS", Header: chromePreflight()}, 204, "https://app.example.com"},
		"actual allowed": {&http.Request{Method: "GET", Header: actualRequest("https://app.example.com")}, 200, "https://app.example.com"},
		"actual denied":  {&http.Request{Method: "GET", Header: actualRequest("https://evil.example")}, 200, ""},
		"no origin":      {&http.Request{Method: "GET", Header: http.Header{"Accept": {"*/*"}}}, 200, ""},
	} {
		w := newRecorder()
		requireNoAllocs(t, name, func() {
			w.reset()
			h.ServeHTTP(w, tc.req)
		})
		if w.status != tc.status || w.h.Get("Access-Control-Allow-Origin") != tc.acao || w.h.Get("Vary") == "" {
			t.Errorf("%s: status %d, headers %v", name, w.status, w.h)
		}
	}
}
