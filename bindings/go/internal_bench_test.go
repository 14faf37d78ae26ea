package corsgate

import (
	"net/http"
	"testing"
)

// Where a request's time goes, piece by piece; the comparison with other
// libraries is in the bench module.

func BenchmarkBareCgoCall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		abiVersion()
	}
}

func BenchmarkEvaluate(b *testing.B) {
	p := mustNew(b, testConfig)
	for name, tc := range map[string]struct {
		method string
		h      http.Header
	}{
		"preflight": {"OPTIONS", chromePreflight()},
		"actual":    {"GET", actualRequest("https://app.example.com")},
		"no-origin": {"GET", http.Header{"Accept": {"*/*"}}},
	} {
		b.Run(name, func(b *testing.B) {
			var d Decision
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p.evaluate(&d, tc.method, tc.h)
			}
		})
	}
}
