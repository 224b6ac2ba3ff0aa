package engine

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestAPIAtLeast(t *testing.T) {
	for _, c := range []struct {
		have string
		ok   bool
	}{{"1.41", false}, {"1.47", false}, {"1.48", true}, {"1.52", true}, {"2.0", true}, {"v1.48", true}, {"", false}, {"1", false}, {"x.y", false}} {
		if got := apiAtLeast(c.have, PlatformSaveAPI); got != c.ok {
			t.Errorf("apiAtLeast(%q, %s) = %v", c.have, PlatformSaveAPI, got)
		}
	}
}

// The platform goes to the save from API 1.48 on; before, one warning
// line says that it cannot.
func TestSaveOptionsGating(t *testing.T) {
	e := Endpoint{Engine: "Docker", Host: "unix:///x.sock"}
	var warned []string
	warn := func(s string) { warned = append(warned, s) }
	arm := v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	if o := saveOptions(e, "1.41", newConfig(nil)); o != nil || len(warned) != 0 {
		t.Errorf("no platform named: options %v, warnings %v", o, warned)
	}
	if o := saveOptions(e, "1.41", newConfig([]Option{WithPlatform(arm, warn)})); o != nil {
		t.Errorf("API 1.41 got a platform option")
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "Docker at unix:///x.sock speaks API 1.41") || strings.Contains(warned[0], "\n") {
		t.Errorf("warnings %q", warned)
	}
	if o := saveOptions(e, "1.48", newConfig([]Option{WithPlatform(arm, warn)})); len(o) != 1 || len(warned) != 1 {
		t.Errorf("API 1.48: options %v, warnings %v", o, warned)
	}
}
