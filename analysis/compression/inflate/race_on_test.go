//go:build race

package inflate

// raceOn: the race detector makes decoding some 10 times slower; the
// heaviest tests then cover fewer cases.
const raceOn = true
