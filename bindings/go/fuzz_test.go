package corsgate

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzEvaluate feeds arbitrary request fields through EvaluateHeader and
// Apply: no panic, only CORS names, no control bytes in a value, and the
// classification rules of Semantics 1.
func FuzzEvaluate(f *testing.F) {
	f.Add("OPTIONS", "https://app.example.com", "PUT", "authorization,content-type", "", uint8(0))
	f.Add("GET", "https://a.b.example.org", "", "", "", uint8(1))
	f.Add("OPTIONS", "null", "GET", "x-a, ,x-b,,", "true", uint8(2))
	f.Add("DELETE", "https://app.example.com:65536", "DELETE", "\x00", "false", uint8(3))
	policies := []*Policy{mustNew(f, testConfig), mustNew(f, Config{
		Origins: []string{"*"}, Methods: []string{"*"}, RequestHeaders: []string{"*"}, ExposeHeaders: []string{"*"},
		PrivateNetwork: true, MaxAge: 60,
	})}
	f.Fuzz(func(t *testing.T, method, origin, acrm, acrh, acrpn string, shape uint8) {
		h := http.Header{}
		if origin != "" || shape&1 != 0 {
			h["Origin"] = []string{origin}
			if shape&2 != 0 {
				h["Origin"] = append(h["Origin"], origin)
			}
		}
		if acrm != "" {
			h["Access-Control-Request-Method"] = []string{acrm}
		}
		if acrh != "" {
			h["Access-Control-Request-Headers"] = strings.Split(acrh, "\n")
		}
		if acrpn != "" {
			h["Access-Control-Request-Private-Network"] = []string{acrpn}
		}
		for _, p := range policies {
			d := p.EvaluateHeader(method, h)
			if h["Origin"] == nil && (d.Kind != KindNotCORS || d.Allowed) {
				t.Fatalf("no Origin: %s allowed=%v", d.Kind, d.Allowed)
			}
			if d.Kind == KindPreflight && method != "OPTIONS" {
				t.Fatalf("a %q request classified as a preflight", method)
			}
			for _, hd := range d.Headers() {
				if hd.Name != "Vary" && !strings.HasPrefix(hd.Name, "Access-Control-") {
					t.Fatalf("header %q", hd.Name)
				}
				for i := 0; i < len(hd.Value); i++ {
					if c := hd.Value[i]; (c < ' ' && c != '\t') || c >= 0x7f {
						t.Fatalf("%s value %q", hd.Name, hd.Value)
					}
				}
			}
			out := http.Header{"Vary": {"Accept"}}
			d.Apply(out)
		}
	})
}
