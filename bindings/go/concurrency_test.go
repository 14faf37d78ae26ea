package corsgate

import (
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// TestSharedPolicyConcurrently has goroutines evaluate and serve through
// one Policy with different requests at once, each checking its own
// answer (run with -race in CI).
func TestSharedPolicyConcurrently(t *testing.T) {
	p := mustNew(t, testConfig)
	h := p.Handler(app)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			origin := "https://app.example.com"
			if g%2 == 1 {
				origin = "https://t" + strconv.Itoa(g) + ".example.org"
			}
			pre := chromePreflight()
			pre["Origin"] = []string{origin}
			w := newRecorder()
			for i := 0; i < 2000; i++ {
				d := p.EvaluateHeader("OPTIONS", pre)
				if !d.Allowed || d.Headers()[0].Value != origin {
					t.Errorf("goroutine %d: %v", g, d.Headers())
					return
				}
				w.reset()
				h.ServeHTTP(w, &http.Request{Method: "GET", Header: actualRequest(origin)})
				if w.h.Get("Access-Control-Allow-Origin") != origin {
					t.Errorf("goroutine %d: %v", g, w.h)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestStress churns policies (built, used, dropped to their finalizers)
// while others evaluate, under frequent collections. CI runs it with
// GOGC=1 and cgocheck; CORSGATE_STRESS sets the rounds.
func TestStress(t *testing.T) {
	rounds := 200
	if s := os.Getenv("CORSGATE_STRESS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	shared := mustNew(t, testConfig)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				p, err := New(Config{Origins: []string{"https://s" + strconv.Itoa(i) + ".example"}, MaxAge: i + 1})
				if err != nil {
					t.Error(err)
					return
				}
				d := p.EvaluateHeader("OPTIONS", http.Header{
					"Origin": {"https://s" + strconv.Itoa(i) + ".example"}, "Access-Control-Request-Method": {"GET"}})
				if d.Status != 204 || len(d.Headers()) < 2 {
					t.Errorf("round %d: %d %v", i, d.Status, d.Headers())
					return
				}
				if i%3 == 0 {
					p.Close()
				}
				if s := shared.EvaluateHeader("OPTIONS", chromePreflight()); !s.Allowed {
					t.Errorf("shared: %s", s.Reason)
					return
				}
				if i%50 == 0 {
					runtime.GC()
				}
			}
		}()
	}
	wg.Wait()
	runtime.GC()
}
