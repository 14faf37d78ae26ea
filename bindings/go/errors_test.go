package corsgate

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every error kind the C header declares has its stable name here, so a kind
// added to the engine cannot reach Go users as "error_kind(N)".
func TestErrorKindNamesCoverTheHeader(t *testing.T) {
	header, err := os.ReadFile(filepath.Join("..", "..", "include", "corsgate.h"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := regexp.MustCompile(`CORSGATE_ERROR_KIND_([A-Z0-9_]+) = (\d+),`).FindAllSubmatch(header, -1)
	if len(kinds) < 20 {
		t.Fatalf("found only %d error kinds in corsgate.h", len(kinds))
	}
	for _, k := range kinds {
		n, err := strconv.Atoi(string(k[2]))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ToLower(string(k[1]))
		if got := ErrorKind(n).String(); got != want {
			t.Errorf("ErrorKind(%d).String() = %q, want %q", n, got, want)
		}
	}
	if len(errorKindNames) != len(kinds) {
		t.Errorf("errorKindNames has %d names, corsgate.h %d kinds", len(errorKindNames), len(kinds))
	}
}
