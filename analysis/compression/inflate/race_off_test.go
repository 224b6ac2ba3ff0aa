//go:build !race

package inflate

const raceOn = false
