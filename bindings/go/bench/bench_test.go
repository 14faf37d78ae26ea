// Package bench measures corsgate's net/http middleware against rs/cors on
// identical handlers and requests. It is its own module so that the
// corsgate module keeps no dependency beyond the standard library.
//
//	go test -run '^$' -bench . -benchmem -count 10
//
// See BENCHMARKS.md one directory up for the method and the figures.
package bench

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	corsgate "github.com/corsgate/corsgate/bindings/go"
	rscors "github.com/rs/cors"
)

// The policy every library gets (performance.md §3.4): credentials on,
// four methods, three request headers, one exposed header, max-age 600.
var (
	methods        = []string{"GET", "POST", "PUT", "DELETE"}
	requestHeaders = []string{"Content-Type", "Authorization", "X-Request-Id"}
	exposeHeaders  = []string{"X-Request-Id"}
	oneOrigin      = []string{"https://app.example.com"}
	manyOrigins    = func() []string {
		o := make([]string, 1000)
		for i := range o {
			o[i] = fmt.Sprintf("https://o%d.example.com", i)
		}
		return o
	}()
)

// app is the same no-op application behind every middleware.
var app = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

func corsgateHandler(tb testing.TB, origins []string) http.Handler {
	p, err := corsgate.New(corsgate.Config{
		Origins:        origins,
		Methods:        methods,
		RequestHeaders: requestHeaders,
		ExposeHeaders:  exposeHeaders,
		Credentials:    true,
		MaxAge:         600,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p.Handler(app)
}

// rs/cors as its README configures it.
func rsHandler(origins []string) http.Handler {
	return rscors.New(rscors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   methods,
		AllowedHeaders:   requestHeaders,
		ExposedHeaders:   exposeHeaders,
		AllowCredentials: true,
		MaxAge:           600,
	}).Handler(app)
}

// writer is a minimal ResponseWriter. Its header map is reused and
// cleared between requests (capacity kept), so allocs/op counts what each
// middleware allocates; a fresh map per request costs every library the
// same (net/http makes one per response), see BENCHMARKS.md.
type writer struct {
	h      http.Header
	status int
}

func (w *writer) Header() http.Header { return w.h }
func (w *writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *writer) Write(b []byte) (int, error) { return len(b), nil }

const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

func request(method string, h map[string]string) *http.Request {
	hdr := http.Header{
		"Accept":          {"*/*"},
		"Accept-Encoding": {"gzip, deflate, br, zstd"},
		"Accept-Language": {"en-US,en;q=0.9"},
		"User-Agent":      {chromeUA},
		"Sec-Fetch-Mode":  {"cors"},
		"Sec-Fetch-Site":  {"cross-site"},
		"Sec-Fetch-Dest":  {"empty"},
	}
	for k, v := range h {
		hdr[k] = []string{v}
	}
	return &http.Request{Method: method, Header: hdr, Host: "api.example.net"}
}

func preflight(origin, acrh string) *http.Request {
	return request("OPTIONS", map[string]string{
		"Origin":                         origin,
		"Access-Control-Request-Method":  "PUT",
		"Access-Control-Request-Headers": acrh,
	})
}

type scenario struct {
	name    string
	origins []string
	req     *http.Request
	// What every library must answer: Access-Control-Allow-Origin's value
	// ("" for none).
	acao string
}

var scenarios = []scenario{
	{"preflight/chrome", oneOrigin, preflight("https://app.example.com", "authorization,content-type"), "https://app.example.com"},
	{"actual/allowed", oneOrigin, request("GET", map[string]string{"Origin": "https://app.example.com"}), "https://app.example.com"},
	{"actual/denied", oneOrigin, request("GET", map[string]string{"Origin": "https://evil.example"}), ""},
	{"no-origin", oneOrigin, request("GET", nil), ""},
	{"origins1000/preflight-first", manyOrigins, preflight(manyOrigins[0], "authorization,content-type"), manyOrigins[0]},
	{"origins1000/preflight-last", manyOrigins, preflight(manyOrigins[999], "authorization,content-type"), manyOrigins[999]},
	{"origins1000/preflight-missing", manyOrigins, preflight("https://o1000.example.com", "authorization,content-type"), ""},
	{"acrh10000/preflight", oneOrigin, preflight("https://app.example.com", strings.Repeat("authorization,", 9999)+"authorization"), ""},
}

type library struct {
	name string
	make func(testing.TB, []string) http.Handler
}

var libraries = []library{
	{"corsgate", corsgateHandler},
	{"rs-cors", func(_ testing.TB, o []string) http.Handler { return rsHandler(o) }},
}

// TestSameAnswers: every library, configured as above, allows and refuses
// the same requests, so the benchmarks compare like with like.
func TestSameAnswers(t *testing.T) {
	for _, s := range scenarios {
		for _, lib := range libraries {
			w := &writer{h: http.Header{}}
			lib.make(t, s.origins).ServeHTTP(w, s.req)
			if got := w.h.Get("Access-Control-Allow-Origin"); got != s.acao {
				t.Errorf("%s/%s: Access-Control-Allow-Origin %q, want %q", lib.name, s.name, got, s.acao)
			}
		}
	}
}

func BenchmarkMiddleware(b *testing.B) {
	for _, s := range scenarios {
		for _, lib := range libraries {
			h := lib.make(b, s.origins)
			b.Run(s.name+"/"+lib.name, func(b *testing.B) {
				w := &writer{h: make(http.Header, 16)}
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cpuTime()
				for i := 0; i < b.N; i++ {
					clear(w.h)
					w.status = 0
					h.ServeHTTP(w, s.req)
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// BenchmarkFreshHeaderMap is the cost every library pays on top when each
// response gets a new header map, as with net/http's server: the map alone,
// with the headers a preflight answer holds.
func BenchmarkFreshHeaderMap(b *testing.B) {
	vals := []string{"x"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h := make(http.Header)
		for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
			"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Vary"} {
			h[k] = vals
		}
		sinkHeader = h
	}
}

var sinkHeader http.Header

// cpuTime is the CPU time the process has used (all threads, so the
// garbage collector's work counts too).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op next to ns/op: on a machine shared with other
// work, wall time per op includes the time the benchmark waited for a
// CPU, CPU time does not.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
