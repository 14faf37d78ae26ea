package corsgate

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The conformance vectors every corsgate host replays (tests/vectors at
// the repository root; see its README.md).
const vectorDir = "../../tests/vectors"

type vectorCase struct {
	Name    string     `json:"name"`
	Policy  string     `json:"policy"`
	Request *vectorReq `json:"request"`
	Head    *string    `json:"head"`
	Forms   []string   `json:"forms"`
	Expect  vectorWant `json:"expect"`
	file    string
}

type vectorReq struct {
	Method  string      `json:"method"`
	Target  string      `json:"target"`
	Headers [][2]string `json:"headers"`
}

type vectorWant struct {
	Kind    string      `json:"kind"`
	Allowed bool        `json:"allowed"`
	Reason  string      `json:"reason"`
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
}

type vectorBuild struct {
	Name   string   `json:"name"`
	TOML   string   `json:"toml"`
	OK     bool     `json:"ok"`
	Errors []string `json:"errors"`
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func loadPolicies(t testing.TB) map[string]*Policy {
	t.Helper()
	var texts map[string]string
	readJSON(t, "policies.json", &texts)
	out := make(map[string]*Policy, len(texts))
	for name, text := range texts {
		p, err := Parse([]byte(text))
		if err != nil {
			t.Fatalf("policy %s: %v", name, err)
		}
		out[name] = p
	}
	return out
}

// loadCases returns the cases that a header map can carry: those given as
// a method and header list whose forms include the view form (Go's
// evaluation path). Raw-head cases belong to hosts that read bytes.
func loadCases(t testing.TB) (cases []vectorCase, skippedHead int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		base := filepath.Base(f)
		if base == "policies.json" || base == "policy_builds.json" {
			continue
		}
		var doc struct {
			Cases []vectorCase `json:"cases"`
		}
		readJSON(t, base, &doc)
		for _, c := range doc.Cases {
			c.file = base
			if c.Request == nil || (len(c.Forms) > 0 && !contains(c.Forms, "view")) {
				skippedHead++
				continue
			}
			cases = append(cases, c)
		}
	}
	return cases, skippedHead
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func requestHeader(c vectorCase) map[string][]string {
	h := make(map[string][]string)
	for _, kv := range c.Request.Headers {
		k := http.CanonicalHeaderKey(kv[0])
		h[k] = append(h[k], kv[1])
	}
	return h
}

func checkDecision(t *testing.T, where string, d *Decision, want vectorWant) {
	t.Helper()
	if d.Kind.String() != want.Kind || d.Allowed != want.Allowed || d.Reason.String() != want.Reason || d.Status != want.Status {
		t.Errorf("%s: got kind=%s allowed=%v reason=%s status=%d, want kind=%s allowed=%v reason=%s status=%d",
			where, d.Kind, d.Allowed, d.Reason, d.Status, want.Kind, want.Allowed, want.Reason, want.Status)
	}
	got := d.Headers()
	if len(got) != len(want.Headers) {
		t.Errorf("%s: headers %v, want %v", where, got, want.Headers)
		return
	}
	for i, h := range got {
		if h.Name != want.Headers[i][0] || h.Value != want.Headers[i][1] {
			t.Errorf("%s: headers %v, want %v", where, got, want.Headers)
			return
		}
	}
}

func TestVectorsEvaluate(t *testing.T) {
	policies := loadPolicies(t)
	cases, head := loadCases(t)
	if len(cases) < 300 {
		t.Fatalf("only %d cases loaded from %s", len(cases), vectorDir)
	}
	for _, c := range cases {
		p := policies[c.Policy]
		if p == nil {
			t.Fatalf("%s: unknown policy %q", c.Name, c.Policy)
		}
		d := p.EvaluateHeader(c.Request.Method, requestHeader(c))
		checkDecision(t, c.file+": "+c.Name, &d, c.Expect)
	}
	t.Logf("%d vector cases replayed through EvaluateHeader (%d raw-head-only cases are for byte-reading hosts)", len(cases), head)
}

func TestVectorsBuild(t *testing.T) {
	var doc struct {
		Builds []vectorBuild `json:"builds"`
	}
	readJSON(t, "policy_builds.json", &doc)
	if len(doc.Builds) < 60 {
		t.Fatalf("only %d builds loaded", len(doc.Builds))
	}
	for _, b := range doc.Builds {
		p, err := Parse([]byte(b.TOML))
		if b.OK {
			if err != nil {
				t.Errorf("%s: refused: %v", b.Name, err)
			} else {
				p.Close()
			}
			continue
		}
		list, ok := err.(ErrorList)
		if !ok {
			t.Errorf("%s: got %v (%T), want an ErrorList of %v", b.Name, err, err, b.Errors)
			continue
		}
		var got []string
		for _, e := range list {
			if e.Message == "" {
				t.Errorf("%s: %s has no message", b.Name, e.Kind)
			}
			got = append(got, e.Kind.String())
		}
		want := append([]string(nil), b.Errors...)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: errors %v, want %v", b.Name, got, want)
		}
	}
	t.Logf("%d policy builds replayed through Parse", len(doc.Builds))
}

// TestNoOriginShortcut: the decision kept for requests without Origin is
// the one the engine gives for any such request, under every vector policy.
func TestNoOriginShortcut(t *testing.T) {
	for name, p := range loadPolicies(t) {
		for _, req := range []struct {
			method string
			h      http.Header
		}{
			{"GET", http.Header{}},
			{"OPTIONS", http.Header{"Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"x-a"}}},
			{"POST", http.Header{"Access-Control-Request-Private-Network": {"true"}}},
		} {
			var fast, engine Decision
			p.evaluate(&fast, req.method, req.h)
			p.decide(&engine, req.method, nil, req.h)
			if fast.Kind != engine.Kind || fast.Allowed != engine.Allowed || fast.Reason != engine.Reason ||
				fast.Status != engine.Status || !reflect.DeepEqual(fast.Headers(), engine.Headers()) {
				t.Errorf("%s %s: shortcut %+v, engine %+v", name, req.method, fast.Headers(), engine.Headers())
			}
		}
	}
}
