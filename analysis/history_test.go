package analysis

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestMapHistory(t *testing.T) {
	hist := []v1.History{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / ", EmptyLayer: false},
		{CreatedBy: "/bin/sh -c #(nop)  ENV A=b", EmptyLayer: true},
		{CreatedBy: "RUN /bin/sh -c apk add x # buildkit"},
		{CreatedBy: `/bin/sh -c #(nop)  CMD ["sh"]`, EmptyLayer: true},
	}
	steps, cmds, warn := mapHistory(hist, 2)
	if warn != "" {
		t.Errorf("unexpected warning %q", warn)
	}
	if cmds[0] != "ADD file:abc in /" || cmds[1] != "RUN apk add x" {
		t.Errorf("commands = %q", cmds)
	}
	if len(steps[0]) != 2 || steps[0][1].Command != "ENV A=b" || len(steps[1]) != 2 || steps[1][1].Command != `CMD ["sh"]` {
		t.Errorf("steps = %+v", steps)
	}
}

func TestMapHistoryEmptyStepsBeforeFirstLayer(t *testing.T) {
	steps, _, _ := mapHistory([]v1.History{{CreatedBy: "ARG x", EmptyLayer: true}, {CreatedBy: "COPY a /"}}, 1)
	if len(steps[0]) != 2 {
		t.Errorf("steps = %+v, want both steps on layer 0", steps)
	}
}

func TestMapHistoryMismatchWarns(t *testing.T) {
	_, cmds, warn := mapHistory([]v1.History{{CreatedBy: "/bin/sh -c a"}}, 3)
	if !strings.Contains(warn, "1 layer steps for 3 layers") || cmds[0] != "RUN a" || cmds[2] != "" {
		t.Errorf("warn %q cmds %q", warn, cmds)
	}
}

func TestMapHistoryNone(t *testing.T) {
	steps, cmds, warn := mapHistory(nil, 2)
	if warn != "" || cmds[1] != "" || len(steps[1]) != 0 {
		t.Errorf("no history: %q %q %v", warn, cmds, steps)
	}
}
