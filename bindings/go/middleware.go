//go:build cgo

package corsgate

import (
	"io"
	"net/http"
	"strings"
	"sync"
)

// Handler wraps next with the policy:
//
//   - a preflight is answered here (status and headers from the decision),
//     unless the policy forwards denied preflights or only reports, in which
//     case next answers it;
//   - every other response gets the decision's headers when it is written,
//     error responses included: CORS response headers next set itself are
//     removed, and the policy's Vary tokens are appended to next's Vary;
//   - in report-only mode nothing about the response changes.
//
// The wrapper allocates nothing per request. The ResponseWriter next sees
// is a wrapper that supports http.Flusher, io.ReaderFrom and
// http.ResponseController (Unwrap); it must not be used after next
// returns, as net/http already requires.
func (p *Policy) Handler(next http.Handler) http.Handler {
	return &handler{p: p, next: next}
}

// Middleware is Handler in the func(http.Handler) http.Handler shape that
// chi's Use, gorilla/mux's Use and echo's WrapMiddleware take.
func (p *Policy) Middleware(next http.Handler) http.Handler { return p.Handler(next) }

type handler struct {
	p    *Policy
	next http.Handler
}

// writerPool recycles the per-request state: the decision and the wrapper
// handed to the application, so that a request allocates neither.
var writerPool = sync.Pool{New: func() any { return new(corsWriter) }}

func (m *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origins := r.Header["Origin"]
	if len(origins) == 0 {
		// The shared no-Origin decision: no cgo call, nothing copied.
		d := m.p.noOriginDecision()
		if d.Status == 0 && d.n == 0 {
			// Report-only: the response is the application's own.
			m.next.ServeHTTP(w, r)
			return
		}
		cw := writerPool.Get().(*corsWriter)
		cw.d = d
		m.serve(cw, w, r)
		return
	}
	cw := writerPool.Get().(*corsWriter)
	m.p.decideInto(&cw.own, &cw.res, r.Method, origins, r.Header)
	cw.d = &cw.own
	m.serve(cw, w, r)
}

func (m *handler) serve(cw *corsWriter, w http.ResponseWriter, r *http.Request) {
	switch d := cw.d; {
	case d.Status != 0:
		d.applyTo(w.Header())
		w.WriteHeader(d.Status)
		cw.release()
	case d.n == 0:
		// Report-only, or a policy whose answer never varies: the
		// response is the application's own.
		cw.release()
		m.next.ServeHTTP(w, r)
	default:
		cw.ResponseWriter = w
		m.serveWrapped(cw, r)
	}
}

func (m *handler) serveWrapped(cw *corsWriter, r *http.Request) {
	returned := false
	defer func() {
		// Also when next panics: an outer recovery handler that answers
		// 500 through the original writer still sends the CORS headers.
		// The wrapper is then not recycled, since next may still hold it.
		cw.commit()
		if returned {
			cw.release()
		}
	}()
	m.next.ServeHTTP(cw, r)
	returned = true
}

// corsWriter applies the decision to the response the moment its header is
// committed (WriteHeader, the first Write or Flush, or next returning
// without writing).
type corsWriter struct {
	http.ResponseWriter
	// d is the decision being applied: own, or the policy's shared
	// no-Origin decision, which is only read.
	d         *Decision
	own       Decision
	res       cgResult // C's answer, before it becomes own
	committed bool
}

func (cw *corsWriter) release() {
	cw.own.forget()
	cw.d = nil
	cw.ResponseWriter = nil
	cw.committed = false
	writerPool.Put(cw)
}

func (cw *corsWriter) commit() {
	if cw.committed || cw.ResponseWriter == nil {
		return
	}
	cw.committed = true
	h := cw.ResponseWriter.Header()
	if len(h) != 0 {
		for name := range h {
			if strings.HasPrefix(name, "Access-Control-") {
				delete(h, name)
			}
		}
	}
	cw.d.applyTo(h)
}

func (cw *corsWriter) WriteHeader(code int) {
	// Informational responses (103 Early Hints) precede the real one, whose
	// header map is still open to the application.
	if code < 200 && code != http.StatusSwitchingProtocols {
		cw.ResponseWriter.WriteHeader(code)
		return
	}
	cw.commit()
	cw.ResponseWriter.WriteHeader(code)
}

func (cw *corsWriter) Write(b []byte) (int, error) {
	cw.commit()
	return cw.ResponseWriter.Write(b)
}

// Flush implements http.Flusher; it does nothing when the underlying
// writer cannot flush.
func (cw *corsWriter) Flush() {
	cw.commit()
	_ = http.NewResponseController(cw.ResponseWriter).Flush()
}

// ReadFrom keeps the underlying writer's sendfile path for io.Copy.
func (cw *corsWriter) ReadFrom(src io.Reader) (int64, error) {
	cw.commit()
	return io.Copy(cw.ResponseWriter, src)
}

// Unwrap gives http.ResponseController the underlying writer.
func (cw *corsWriter) Unwrap() http.ResponseWriter { return cw.ResponseWriter }
