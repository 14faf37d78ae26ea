package corsgate

import (
	"sync"
	"testing"
	"unsafe"
)

// text is static data whose bytes never move, like the engine's constants:
// its sub-ranges stand for policy values at distinct addresses.
const text = "Access-Control-Allow-Origin, Vary, true, 600, x-request-id, GET, POST, PUT, DELETE; " +
	"the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// TestValueCacheManyValues: more values than the direct-mapped slots and
// than the list holds, looked up in turn from several goroutines, each
// come back as their own bytes (a slot or list hit that ignored the
// address or the length would return another value's string).
func TestValueCacheManyValues(t *testing.T) {
	base := uintptr(unsafe.Pointer(unsafe.StringData(text)))
	const n = 5
	count := len(text) - n
	if count <= maxCached || count <= cacheSlots {
		t.Fatalf("text too short: %d values", count)
	}
	var c valueCache
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 3; round++ {
				for i := 0; i < count; i++ {
					// Each length at one address is another value.
					for l := 1; l <= n; l++ {
						v := c.get(base+uintptr(i), l)
						if want := text[i : i+l]; v.s != want || len(v.vals) != 1 || v.vals[0] != want {
							t.Errorf("value at +%d (len %d): %q %q, want %q", i, l, v.s, v.vals, want)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	if e := c.entries.Load(); e == nil || len(*e) != maxCached {
		t.Errorf("the list holds %v entries, want %d", e, maxCached)
	}
}
