package advice

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerscope/layerscope/tree"
)

// cache is a package manager's cache or index that a final image never
// needs.
type cache struct {
	name, what, fix string
	// system: paths from the root; home: paths below every home directory.
	system, home []string
	// keep reports files below a root that are not cache (apt's lock).
	keep func(rel string) bool
}

var caches = []cache{
	{name: "apt", what: "apt package lists and downloaded packages",
		system: []string{"var/lib/apt/lists", "var/cache/apt"},
		keep:   aptKeeps,
		fix:    "end the RUN that runs apt-get with `&& apt-get clean && rm -rf /var/lib/apt/lists/*`, or use RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt/lists"},
	{name: "apk", what: "the apk cache", system: []string{"var/cache/apk"},
		fix: "use `apk add --no-cache …` (or RUN --mount=type=cache,target=/var/cache/apk)"},
	{name: "dnf", what: "the dnf cache", system: []string{"var/cache/dnf"},
		fix: "end the RUN that runs dnf with `&& dnf clean all && rm -rf /var/cache/dnf`, or use a cache mount"},
	{name: "yum", what: "the yum cache", system: []string{"var/cache/yum"},
		fix: "end the RUN that runs yum with `&& yum clean all && rm -rf /var/cache/yum`, or use a cache mount"},
	{name: "pip", what: "pip's cache", home: []string{".cache/pip"},
		fix: "use `pip install --no-cache-dir …` (or RUN --mount=type=cache,target=/root/.cache/pip)"},
	{name: "npm", what: "npm's cache", home: []string{".npm/_cacache"},
		fix: "end the RUN with `&& npm cache clean --force`, or use RUN --mount=type=cache,target=/root/.npm"},
	{name: "yarn", what: "yarn's cache", home: []string{".cache/yarn", ".yarn/berry/cache"}, system: []string{"usr/local/share/.cache/yarn"},
		fix: "end the RUN with `&& yarn cache clean`, or use RUN --mount=type=cache,target=/usr/local/share/.cache/yarn"},
	{name: "go-build", what: "Go's build cache", home: []string{".cache/go-build"},
		fix: "build in a separate stage and COPY --from only the binary, or use RUN --mount=type=cache,target=/root/.cache/go-build"},
	{name: "go-mod", what: "Go's module cache", home: []string{"go/pkg/mod"},
		fix: "build in a separate stage and COPY --from only the binary, or use RUN --mount=type=cache,target=/go/pkg/mod"},
	{name: "maven", what: "Maven's repository", home: []string{".m2/repository"},
		fix: "build in a separate stage and COPY --from only the artifact, or use RUN --mount=type=cache,target=/root/.m2"},
	{name: "gradle", what: "Gradle's caches", home: []string{".gradle/caches", ".gradle/wrapper/dists"},
		fix: "build in a separate stage and COPY --from only the artifact, or use RUN --mount=type=cache,target=/root/.gradle"},
}

// aptKeeps: apt's lock files and the partial downloads are apt's working
// state; of /var/cache/apt only the *.bin caches and archives/*.deb are
// cache.
func aptKeeps(rel string) bool {
	switch {
	case strings.HasPrefix(rel, "var/lib/apt/lists/"):
		r := strings.TrimPrefix(rel, "var/lib/apt/lists/")
		return r == "lock" || strings.HasPrefix(r, "partial/")
	case strings.HasPrefix(rel, "var/cache/apt/archives/"):
		r := strings.TrimPrefix(rel, "var/cache/apt/archives/")
		return strings.Contains(r, "/") || !strings.HasSuffix(r, ".deb")
	case strings.HasPrefix(rel, "var/cache/apt/"):
		r := strings.TrimPrefix(rel, "var/cache/apt/")
		return strings.Contains(r, "/") || !strings.HasSuffix(r, ".bin")
	}
	return false
}

// homes are the directories a cache may sit under: /, every top-level
// directory (/root, /app as HOME) and every /home/*.
func homes(f *tree.FS) []tree.NodeID {
	out := []tree.NodeID{tree.Root}
	f.Children(tree.Root, func(c tree.NodeID) bool {
		out = append(out, c)
		return true
	})
	if h, ok := f.LookupChild(tree.Root, "home"); ok {
		f.Children(h, func(c tree.NodeID) bool {
			out = append(out, c)
			return true
		})
	}
	return out
}

// packageCaches finds the caches in the final image: one finding per cache
// and layer that added its files, with the bytes visible at the end. It
// visits only the caches' own directories.
func packageCaches(in Input) []Finding {
	f := in.FS
	hs := homes(f)
	var out []Finding
	for _, c := range caches {
		var roots []tree.NodeID
		for _, p := range c.system {
			if n, ok := f.Lookup(p); ok {
				roots = append(roots, n)
			}
		}
		for _, h := range hs {
			for _, p := range c.home {
				if n, ok := lookupBelow(f, h, p); ok && !slices.Contains(roots, n) {
					roots = append(roots, n)
				}
			}
		}
		byLayer := map[int]*group{}
		for _, r := range roots {
			visibleFiles(f, r, func(id tree.EntryID, e *tree.Entry) {
				if c.keep != nil && c.keep(strings.TrimPrefix(f.Path(e.Node), "/")) {
					return
				}
				l := int(e.Layer)
				g := byLayer[l]
				if g == nil {
					g = &group{layer: l}
					byLayer[l] = g
				}
				g.add(id, e)
			})
		}
		for l, g := range byLayer {
			if g.bytes == 0 {
				continue
			}
			out = append(out, Finding{
				Kind: KindPackageCache, Layer: l, Bytes: g.bytes, Paths: paths(f, g.ids), Count: len(g.ids), Cache: c.name,
				Message: fmt.Sprintf("%s leaves %s of %s in the image (%s)", step(in, l), size(g.bytes), c.what, plural(len(g.ids), "file")),
				Fix:     c.fix,
				claims:  g.ids,
			})
		}
	}
	return out
}

// lookupBelow finds the relative path p below n.
func lookupBelow(f *tree.FS, n tree.NodeID, p string) (tree.NodeID, bool) {
	for name := range strings.SplitSeq(p, "/") {
		var ok bool
		if n, ok = f.LookupChild(n, name); !ok {
			return 0, false
		}
	}
	return n, true
}

// visibleFiles calls fn for every regular file visible in the final image
// at or below n. Its stack is explicit: depth is bounded by the image, not
// by the goroutine's stack.
func visibleFiles(f *tree.FS, n tree.NodeID, fn func(tree.EntryID, *tree.Entry)) {
	stack := []tree.NodeID{n}
	for len(stack) > 0 {
		n = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !f.Live(n) {
			continue
		}
		if id := f.Cur(n); id != tree.NoEntry {
			if e := f.Entry(id); e.Type == tree.TypeFile && e.Size > 0 {
				fn(id, e)
			}
		}
		f.Children(n, func(c tree.NodeID) bool {
			stack = append(stack, c)
			return true
		})
	}
}
