package corsgate

import (
	"net/http"
	"syscall"
	"testing"
	"time"
)

// cpuNs reports the process's CPU time per op beside the wall time, which
// on a shared machine includes waiting for a CPU.
func cpuNs(b *testing.B, f func()) {
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	f()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	used := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(used)/float64(b.N), "cpu-ns/op")
}

// Where a request's time goes, piece by piece; the comparison with other
// libraries is in the bench module.

func BenchmarkBareCgoCall(b *testing.B) {
	cpuNs(b, func() {
		for i := 0; i < b.N; i++ {
			abiVersion()
		}
	})
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
			cpuNs(b, func() {
				for i := 0; i < b.N; i++ {
					p.evaluate(&d, tc.method, tc.h)
				}
			})
		})
	}
}
