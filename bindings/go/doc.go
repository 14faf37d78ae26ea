// Package corsgate is CORS for net/http, decided by corsgate's Rust engine
// through cgo: the same policy file, decisions and reason codes as every
// other corsgate host, one cgo call per CORS request and no allocation per
// request.
//
// Build a *Policy with New (a Config), Parse (policy-file TOML) or Load (a
// file); a refused policy comes back as an ErrorList naming every problem.
// Wrap handlers with Policy.Handler or Policy.Middleware, or decide a
// request yourself with Policy.Evaluate and write the result with
// Decision.Apply.
//
// The package links libcorsgate.a from the repository's target/release
// (build it with `make -C bindings/c lib`), or the installed shared
// library with the dynamic build tag. See README.md.
package corsgate
