package corsgate

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
)

// app is the application behind the middleware in the HTTP tests: it
// answers 200 and marks its responses, so a test can tell who answered.
var app = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-App", "1")
	io.WriteString(w, "app")
})

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// sendable says whether net/http's client can put the case on the wire
// unchanged; the others (control bytes in a value, a name that is not a
// token, framing fields) only exist as raw heads or header lists.
func sendable(c vectorCase) bool {
	if !isToken(c.Request.Method) || c.Request.Method == "CONNECT" {
		return false
	}
	for _, kv := range c.Request.Headers {
		if !isToken(kv[0]) {
			return false
		}
		switch http.CanonicalHeaderKey(kv[0]) {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Te", "Trailer", "Upgrade":
			return false
		}
		for i := 0; i < len(kv[1]); i++ {
			if b := kv[1][i]; (b < ' ' && b != '\t') || b == 0x7f {
				return false
			}
		}
	}
	return true
}

// corsLines is the CORS part of a response as sorted "Name: value" lines.
func corsLines(h http.Header) []string {
	var out []string
	for name, vals := range h {
		if strings.HasPrefix(name, "Access-Control-") || name == "Vary" {
			for _, v := range vals {
				out = append(out, name+": "+v)
			}
		}
	}
	sort.Strings(out)
	return out
}

func wantLines(hs [][2]string) []string {
	out := []string{}
	for _, kv := range hs {
		out = append(out, kv[0]+": "+kv[1])
	}
	sort.Strings(out)
	return out
}

// TestVectorsHTTP replays the vectors over real HTTP: one httptest server,
// each policy's Handler mounted at /<policy name>, net/http's client
// sending the request.
func TestVectorsHTTP(t *testing.T) {
	policies := loadPolicies(t)
	cases, _ := loadCases(t)
	mux := http.NewServeMux()
	for name, p := range policies {
		mux.Handle("/"+name, p.Handler(app))
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	client.Timeout = 10 * time.Second

	replayed := 0
	for _, c := range cases {
		if !sendable(c) {
			continue
		}
		replayed++
		req, err := http.NewRequest(c.Request.Method, srv.URL+"/"+c.Policy, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for _, kv := range c.Request.Headers {
			k := http.CanonicalHeaderKey(kv[0])
			req.Header[k] = append(req.Header[k], kv[1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		where := c.file + ": " + c.Name
		if c.Expect.Status != 0 {
			if resp.StatusCode != c.Expect.Status || resp.Header.Get("X-App") != "" || len(body) != 0 {
				t.Errorf("%s: status %d, X-App %q, body %q; want %d answered by the middleware",
					where, resp.StatusCode, resp.Header.Get("X-App"), body, c.Expect.Status)
			}
		} else if resp.StatusCode != 200 || resp.Header.Get("X-App") != "1" {
			t.Errorf("%s: status %d, X-App %q; want the application's answer", where, resp.StatusCode, resp.Header.Get("X-App"))
		}
		got, want := corsLines(resp.Header), wantLines(c.Expect.Headers)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: CORS headers\n  %q\nwant\n  %q", where, got, want)
		}
	}
	if replayed < 300 {
		t.Fatalf("only %d cases could be sent over HTTP", replayed)
	}
	t.Logf("%d vector cases replayed over HTTP through Handler", replayed)
}

func serve(t *testing.T, h http.Handler, method string, hdr http.Header) *http.Response {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(method, srv.URL+"/", nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestHandlerReplacesApplicationCORSHeadersAndAppendsVary(t *testing.T) {
	p := mustNew(t, testConfig)
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "TRACE")
		w.Header().Set("Vary", "Accept-Encoding")
		w.WriteHeader(http.StatusOK)
	}))
	resp := serve(t, h, "GET", actualRequest("https://app.example.com"))
	if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != "https://app.example.com" {
		t.Errorf("ACAO %q", got)
	}
	if got := resp.Header.Values("Access-Control-Allow-Methods"); len(got) != 0 {
		t.Errorf("the application's ACAM survived: %q", got)
	}
	if got := resp.Header.Values("Vary"); strings.Join(got, "|") != "Accept-Encoding|Origin" {
		t.Errorf("Vary %q, want the application's then Origin", got)
	}

	// A Vary that already lists Origin (in another case) or * is left alone.
	for _, vary := range []string{"origin", "*", "Accept, ORIGIN"} {
		h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Vary", vary)
		}))
		resp := serve(t, h, "GET", actualRequest("https://app.example.com"))
		if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != vary {
			t.Errorf("Vary %q became %q", vary, got)
		}
	}
}

func TestHandlerCoversErrorsAndSilentHandlers(t *testing.T) {
	p := mustNew(t, testConfig)
	for name, next := range map[string]http.HandlerFunc{
		"http.Error": func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", 500) },
		"no write":   func(http.ResponseWriter, *http.Request) {},
		"flush": func(w http.ResponseWriter, _ *http.Request) {
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush: %v", err)
			}
			io.WriteString(w, "streamed")
		},
		"read from": func(w http.ResponseWriter, _ *http.Request) {
			io.Copy(w, strings.NewReader("copied"))
		},
	} {
		resp := serve(t, p.Handler(next), "GET", actualRequest("https://app.example.com"))
		if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
			resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
			resp.Header.Get("Access-Control-Expose-Headers") != "x-request-id" {
			t.Errorf("%s: headers %v", name, resp.Header)
		}
	}
}

func TestHandlerPanicKeepsHeadersForOuterRecovery(t *testing.T) {
	p := mustNew(t, testConfig)
	inner := p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") }))
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if recover() != nil {
				w.WriteHeader(500)
			}
		}()
		inner.ServeHTTP(w, r)
	})
	resp := serve(t, outer, "GET", actualRequest("https://app.example.com"))
	if resp.StatusCode != 500 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
}

func TestHandlerPreflights(t *testing.T) {
	p := mustNew(t, testConfig)
	resp := serve(t, p.Handler(app), "OPTIONS", chromePreflight())
	if resp.StatusCode != 204 || resp.Header.Get("X-App") != "" {
		t.Fatalf("allowed preflight: %d %v", resp.StatusCode, resp.Header)
	}
	for name, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "PUT",
		"Access-Control-Allow-Headers":     "authorization,content-type",
		"Access-Control-Max-Age":           "600",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	denied := chromePreflight()
	denied["Access-Control-Request-Method"] = []string{"PATCH"}
	if resp := serve(t, p.Handler(app), "OPTIONS", denied); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("denied preflight: %d %v", resp.StatusCode, resp.Header)
	}

	fwd := testConfig
	fwd.DeniedPreflight = "forward"
	pf := mustNew(t, fwd)
	resp = serve(t, pf.Handler(app), "OPTIONS", denied)
	if resp.StatusCode != 200 || resp.Header.Get("X-App") != "1" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("forwarded denied preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestHandlerReportOnlyChangesNothing(t *testing.T) {
	c := testConfig
	c.Mode = "report-only"
	p := mustNew(t, c)
	own := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "https://legacy.example")
		w.WriteHeader(200)
	})
	for _, tc := range []struct {
		method string
		h      http.Header
	}{{"OPTIONS", chromePreflight()}, {"GET", actualRequest("https://app.example.com")}, {"GET", actualRequest("https://evil.example")}} {
		d := p.EvaluateHeader(tc.method, tc.h)
		resp := serve(t, p.Handler(own), tc.method, tc.h)
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://legacy.example" || resp.Header.Get("Vary") != "" {
			t.Errorf("%s %s (%s): %d %v", tc.method, tc.h.Get("Origin"), d.Reason, resp.StatusCode, resp.Header)
		}
	}
}

// TestHostileRequests sends what attackers send over real HTTP; each must
// be refused, and the server must answer (the client's deadline only stops
// a hung test; speed is measured by the benchmarks).
func TestHostileRequests(t *testing.T) {
	p := mustNew(t, testConfig)
	srv := httptest.NewServer(p.Handler(app))
	defer srv.Close()
	names := make([]string, 10000)
	for i := range names {
		names[i] = fmt.Sprintf("x-h%d", i)
	}
	big := strings.Repeat("a", 64<<10)
	for _, tc := range []struct {
		name   string
		method string
		h      http.Header
		status int
	}{
		{"10,000 ACRH names", "OPTIONS", http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {strings.Join(names, ",")}}, 403},
		{"10,000 authorization tokens", "OPTIONS", http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {strings.Repeat("authorization,", 9999) + "authorization"}}, 403},
		{"1,000 ACRH lines", "OPTIONS", http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": names[:1000]}, 403},
		{"64 KiB Origin", "GET", http.Header{"Origin": {"https://" + big + ".example.org"}}, 200},
		{"64 KiB of other headers", "OPTIONS", http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PUT"}, "X-Filler": {big}}, 204},
		{"repeated Origin", "GET", http.Header{"Origin": {"https://app.example.com", "https://app.example.com"}}, 200},
		{"repeated ACRM", "OPTIONS", http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PUT", "PUT"}}, 403},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, tc.method, srv.URL+"/", nil)
		req.Header = tc.h
		resp, err := srv.Client().Do(req)
		cancel()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		resp.Body.Close()
		acao := resp.Header.Get("Access-Control-Allow-Origin")
		if resp.StatusCode != tc.status || (tc.status != 204 && acao != "") {
			t.Errorf("%s: status %d, ACAO %q", tc.name, resp.StatusCode, acao)
		}
	}
}
