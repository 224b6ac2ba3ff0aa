package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerscope/layerscope/analysis/source/platform"
)

// PlatformSaveAPI is the first engine API version whose image save takes a
// platform. Engines with the containerd image store (Docker 25+) save a
// multi-platform image only when told which platform, or with every
// platform's content present.
const PlatformSaveAPI = "1.48"

// saveOptions passes the platform asked for to the save where the engine
// (at API version api, as negotiated) takes one, and says so where not.
func saveOptions(e Endpoint, api string, c config) []client.ImageSaveOption {
	if c.platform == nil {
		return nil
	}
	if !apiAtLeast(api, PlatformSaveAPI) {
		if c.warn != nil {
			c.warn(fmt.Sprintf("%s speaks API %s, whose image save takes no platform (API %s and later do): reading %s from the whole image",
				e, api, PlatformSaveAPI, platform.String(*c.platform)))
		}
		return nil
	}
	p := ocispec.Platform{OS: c.platform.OS, Architecture: c.platform.Architecture, Variant: c.platform.Variant}
	return []client.ImageSaveOption{client.ImageSaveWithPlatforms(p)}
}

// apiAtLeast compares API versions such as 1.41 and 1.48; an unreadable
// version counts as old.
func apiAtLeast(have, want string) bool {
	hm, hn, ok1 := apiVersion(have)
	wm, wn, ok2 := apiVersion(want)
	if !ok1 || !ok2 {
		return false
	}
	return hm > wm || (hm == wm && hn >= wn)
}

func apiVersion(v string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	if !found {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	return major, minor, err1 == nil && err2 == nil
}
