//go:build race

package corsgate

// The race detector instruments allocations and makes sync.Pool drop
// items at random, so allocation counts mean nothing under it.
const raceEnabled = true
