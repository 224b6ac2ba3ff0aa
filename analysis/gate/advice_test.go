package gate

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
)

// leaky has a GitHub token in a file that a later layer deletes.
func leaky(t *testing.T) (*analysis.Result, string) {
	t.Helper()
	tok := "ghp_" + strings.Repeat("Vb7", 12)
	img, err := synth.Image(
		[]synth.Entry{synth.File("app/config.yaml", "github:\n  token: "+tok+"\n")},
		[]synth.Entry{synth.Whiteout("app/config.yaml")},
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	return res, tok
}

func ruleOf(o Outcome, key string) RuleResult {
	for _, r := range o.Results {
		if r.Rule == key {
			return r
		}
	}
	return RuleResult{}
}

func TestSecretsRuleIsOnByDefault(t *testing.T) {
	res, tok := leaky(t)
	cfg, err := Load(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	o := Evaluate(res, cfg.Rules)
	r := ruleOf(o, Secrets)
	if r.Status != Fail || len(r.Hits) != 1 || o.OK() {
		t.Fatalf("secrets rule %+v", r)
	}
	h := r.Hits[0]
	if h.Path != "/app/config.yaml" || h.Layer != 0 || h.Visible || h.ShadowedBy == nil || *h.ShadowedBy != 1 {
		t.Errorf("hit %+v, want the file of layer 0 that layer 1 deletes", h)
	}
	rep := NewReport(res.Report(analysis.ImageInfo{Name: "leaky"}, analysis.ReportOptions{}), cfg, o)
	for _, format := range Formats {
		var b bytes.Buffer
		if err := Write(&b, format, rep); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), tok) || !strings.Contains(b.String(), tok[:6]+"…") {
			t.Errorf("%s: the token is printed whole, or not named at all:\n%s", format, b.String())
		}
	}
	if ok := (Rules{}); Evaluate(res, ok).OK() {
		t.Error("an empty Rules passes an image with a secret")
	}
}

func TestSecretsOffAndReclaimable(t *testing.T) {
	res, _ := leaky(t)
	for _, text := range []string{"rules:\n  secrets: off\n", "rules:\n  secrets: false\n", "rules:\n  secrets: disabled\n"} {
		cfg, err := Load("", writeConfig(t, ConfigFile, text))
		if err != nil {
			t.Fatal(err)
		}
		if r := ruleOf(Evaluate(res, cfg.Rules), Secrets); r.Status != Skip {
			t.Errorf("%q: secrets %s", text, r.Status)
		}
	}
	cfg, err := Load("", writeConfig(t, ConfigFile, "rules:\n  secrets: on\n  highestReclaimableBytes: 10B\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := Evaluate(res, cfg.Rules)
	// The deleted file's bytes are reclaimable (removed-later, and the
	// secret's file, counted once).
	size := int64(len("github:\n  token: ") + 40 + 1)
	if r := ruleOf(o, HighestReclaimableBytes); r.Status != Fail || *r.ActualValue != float64(size) {
		t.Errorf("highestReclaimableBytes %+v, want FAIL at %d", r, size)
	}
	if r := ruleOf(o, Secrets); r.Status != Fail {
		t.Errorf("secrets: on gives %s", r.Status)
	}
	if _, err := Load("", writeConfig(t, ConfigFile, "rules:\n  secrets: sometimes\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("secrets: sometimes: %v", err)
	}
	if r := ruleOf(Evaluate(res, Rules{}), HighestReclaimableBytes); r.Status != Skip {
		t.Errorf("highestReclaimableBytes is %s by default, want SKIP", r.Status)
	}
}
