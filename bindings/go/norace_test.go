//go:build !race

package corsgate

const raceEnabled = false
