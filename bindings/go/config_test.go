package corsgate

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestNewRefusesWithEveryProblem(t *testing.T) {
	_, err := New(Config{
		Origins:         []string{"*", "http://Evil.example", "https://a.example/path"},
		Methods:         []string{"TRACE"},
		Credentials:     true,
		MaxAge:          90000,
		PreflightStatus: 201,
		Mode:            "on",
		DeniedPreflight: "drop",
	})
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v (%T), want an ErrorList", err, err)
	}
	var kinds []string
	for _, e := range list {
		kinds = append(kinds, e.Kind.String())
	}
	sort.Strings(kinds)
	want := []string{"forbidden_method", "invalid_preflight_status", "invalid_value", "invalid_value",
		"max_age_out_of_range", "origin_has_path", "uppercase_origin", "wildcard_with_credentials"}
	for _, k := range want {
		i := sort.SearchStrings(kinds, k)
		if i == len(kinds) || kinds[i] != k {
			t.Errorf("missing %s in %v", k, kinds)
		}
	}
	var one Error
	if !errors.As(err, &one) || one.Message == "" {
		t.Errorf("errors.As to one Error: %+v", one)
	}
	if !strings.Contains(err.Error(), "wildcard_with_credentials") {
		t.Errorf("message does not name the kinds: %s", err)
	}
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "no_origins") {
		t.Errorf("empty origins: %v", err)
	}
	if _, err := New(Config{Origins: []string{"https://a.example\xff"}}); err == nil {
		t.Error("an origin that is not UTF-8 was accepted")
	}
}

// TestConfigMatchesPolicyFile builds the same policy from a Config and
// from its TOML form and compares decisions, so a field with the wrong
// meaning (or MaxAge's -1 convention) shows.
func TestConfigMatchesPolicyFile(t *testing.T) {
	cases := []struct {
		c    Config
		toml string
	}{
		{testConfig, `origins = ["https://app.example.com", "https://*.example.org"]
methods = ["GET", "POST", "PUT", "DELETE"]
request_headers = ["Content-Type", "Authorization", "X-Request-Id"]
expose_headers = ["X-Request-Id"]
credentials = true
max_age = 600
`},
		{Config{Origins: []string{"https://app.example.com"}, MaxAge: -1, PreflightStatus: 200, PrivateNetwork: true},
			"origins = [\"https://app.example.com\"]\nmax_age = 0\npreflight_status = 200\nprivate_network = true\n"},
	}
	req := chromePreflight()
	req["Access-Control-Request-Private-Network"] = []string{"true"}
	req["Access-Control-Request-Headers"] = nil
	for _, tc := range cases {
		a := mustNew(t, tc.c)
		b, err := Parse([]byte(tc.toml))
		if err != nil {
			t.Fatal(err)
		}
		da, db := a.EvaluateHeader("OPTIONS", req), b.EvaluateHeader("OPTIONS", req)
		if !reflect.DeepEqual(da.Headers(), db.Headers()) || da.Status != db.Status || da.Reason != db.Reason {
			t.Errorf("Config gives %v %d %s, TOML gives %v %d %s", da.Headers(), da.Status, da.Reason, db.Headers(), db.Status, db.Reason)
		}
		b.Close()
	}
}

// TestConfigKeys: every field names its policy file key, and every key is
// a field (the list is docs/semantics' and DESIGN.md's).
func TestConfigKeys(t *testing.T) {
	want := []string{"origins", "methods", "request_headers", "expose_headers", "credentials", "max_age",
		"private_network", "preflight_status", "denied_preflight", "mode", "dangerously_allow_insecure_origins",
		"dangerously_allow_public_suffix_subdomains", "dangerously_allow_null_origin"}
	typ := reflect.TypeOf(Config{})
	var got []string
	for i := 0; i < typ.NumField(); i++ {
		got = append(got, typ.Field(i).Tag.Get("toml"))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Config keys %v, want %v", got, want)
	}
	// Each key is one the policy file knows (a wrong type is fine here).
	for _, k := range want {
		if k == "origins" {
			continue
		}
		if _, err := Parse([]byte("origins = [\"https://a.example\"]\n" + k + " = []\n")); err != nil && strings.Contains(err.Error(), "unknown_key") {
			t.Errorf("key %s: %v", k, err)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("origins = [\"https://a.example\"]\n"), 0o600)
	p, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	p.Close() // idempotent
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("origins = [\"*\"]\ncredentials = true\nbogus = 1\n"), 0o600)
	_, err = Load(bad)
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 || !strings.Contains(err.Error(), bad) {
		t.Errorf("got %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestClosedPolicyPanics(t *testing.T) {
	p, err := New(Config{Origins: []string{"https://a.example"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	defer func() {
		if r := recover(); r != ErrClosed {
			t.Errorf("recovered %v, want ErrClosed", r)
		}
	}()
	p.EvaluateHeader("GET", actualRequest("https://a.example"))
}

func TestNamesMatchTheLibrary(t *testing.T) {
	if KindPreflight.String() != "preflight" || ReasonOriginNotAllowed.String() != "origin_not_allowed" ||
		ReasonRequestTooLarge.String() != "request_too_large" {
		t.Errorf("names: %s %s %s", KindPreflight, ReasonOriginNotAllowed, ReasonRequestTooLarge)
	}
	if Version() == "" || LinkInfo == "" {
		t.Errorf("version %q, link %q", Version(), LinkInfo)
	}
}
