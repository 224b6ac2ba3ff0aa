package analysis

import (
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Step is one build step of the image's history.
type Step struct {
	CreatedBy  string    `json:"createdBy"`
	Command    string    `json:"command"` // CreatedBy in Dockerfile form
	Created    time.Time `json:"created,omitzero"`
	Comment    string    `json:"comment,omitempty"`
	Author     string    `json:"author,omitempty"`
	EmptyLayer bool      `json:"emptyLayer"`
}

// mapHistory gives each of n layers its steps: the step that made the layer
// and the empty steps (ENV, CMD, ...) that follow it; empty steps before the
// first layer belong to the first layer. It warns when history and layers do
// not line up, and never fails: images without history are fine.
func mapHistory(hist []v1.History, n int) (steps [][]Step, commands []string, warning string) {
	steps = make([][]Step, n)
	commands = make([]string, n)
	if n == 0 {
		return steps, commands, ""
	}
	layer := -1
	for _, h := range hist {
		cmd := Command(h.CreatedBy)
		if cmd == "" {
			cmd = h.Comment // "Imported from -" for docker import
		}
		s := Step{CreatedBy: h.CreatedBy, Command: cmd, Created: h.Created.Time,
			Comment: h.Comment, Author: h.Author, EmptyLayer: h.EmptyLayer}
		if !h.EmptyLayer {
			layer++
			if layer < n {
				commands[layer] = s.Command
			}
		}
		i := min(max(layer, 0), n-1)
		steps[i] = append(steps[i], s)
	}
	if len(hist) > 0 && layer+1 != n {
		warning = fmt.Sprintf("the config's history names %d layer steps for %d layers: commands may not match their layers", layer+1, n)
	}
	return steps, commands, warning
}

// Command turns a history CreatedBy into the Dockerfile instruction it came
// from: "/bin/sh -c #(nop)  ENV A=b" is "ENV A=b", "/bin/sh -c apt-get ..."
// is "RUN apt-get ...", and BuildKit's "RUN /bin/sh -c x # buildkit" is
// "RUN x".
func Command(createdBy string) string {
	s := strings.TrimSpace(createdBy)
	s = strings.TrimSuffix(s, "# buildkit")
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "/bin/sh -c #(nop)"); ok {
		return strings.TrimSpace(rest)
	}
	if rest, ok := strings.CutPrefix(s, "/bin/sh -c "); ok {
		return "RUN " + strings.TrimSpace(rest)
	}
	if rest, ok := strings.CutPrefix(s, "RUN /bin/sh -c "); ok {
		return "RUN " + strings.TrimSpace(rest)
	}
	return s
}
