package gate

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/synth"
)

// sample: 1805 bytes in three layers (1000, 505, 300); 505 wasted (the
// first a and the key, deleted in the last layer); efficiency 1300/1805.
func sample(t *testing.T) *analysis.Result {
	t.Helper()
	img, err := synth.Image(
		[]synth.Entry{synth.File("base", strings.Repeat("b", 1000))},
		[]synth.Entry{synth.File("app/a", strings.Repeat("a", 500)), synth.File("app/key.pem", "hello")},
		[]synth.Entry{synth.File("app/a", strings.Repeat("A", 300)), synth.Whiteout("app/key.pem")},
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEveryRulePassesFailsAndSkips(t *testing.T) {
	res := sample(t)
	if m := res.Metrics; m.SizeBytes != 1805 || m.WastedBytes != 505 || m.UserSizeBytes != 805 {
		t.Fatalf("sample metrics %+v", m)
	}
	cases := []struct {
		key, pass, fail string
	}{
		{LowestEfficiency, "0.72", "0.73"},               // 0.7202
		{HighestWastedBytes, "505B", "504B"},             // 505
		{HighestUserWastedPercent, "0.63", "0.62"},       // 0.627
		{HighestImageBytes, "1805", "1.8kB"},             // 1805 > 1800
		{HighestLayerBytes, "1kB", "999"},                // largest layer 1000
		{HighestLayerCount, "3", "2"},                    // 3 layers
		{ForbiddenPaths, "**/*.key,/etc/**", "**/*.pem"}, // the deleted key
		{HighestReclaimableBytes, "505B", "504B"},        // app/a overwritten, the key deleted
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			for value, want := range map[string]Status{c.pass: Pass, c.fail: Fail, "disabled": Skip} {
				rules := Rules{SecretsOff: true} // on by default: advice_test.go checks it
				if err := rules.Set(c.key, value); err != nil {
					t.Fatal(err)
				}
				o := Evaluate(res, rules)
				var got RuleResult
				for _, r := range o.Results {
					if r.Rule == c.key {
						got = r
					} else if r.Status != Skip {
						t.Errorf("%s is %s although only %s is set", r.Rule, r.Status, c.key)
					}
				}
				if got.Status != want {
					t.Errorf("%s=%s: %s (%s), want %s", c.key, value, got.Status, got.Message, want)
				}
				if o.OK() != (want != Fail) || len(o.Results) != len(RuleKeys) {
					t.Errorf("outcome %+v", o)
				}
			}
		})
	}
}

func TestForbiddenPathNamesBothLayers(t *testing.T) {
	var rules Rules
	rules.SetForbidden([]string{"**/*.pem"})
	o := Evaluate(sample(t), rules)
	r := o.Results[slices.IndexFunc(o.Results, func(r RuleResult) bool { return r.Rule == ForbiddenPaths })]
	if r.Status != Fail || len(r.Hits) != 1 {
		t.Fatalf("result %+v", r)
	}
	h := r.Hits[0]
	if h.Path != "/app/key.pem" || h.Layer != 1 || h.Visible || h.ShadowedBy == nil || *h.ShadowedBy != 2 {
		t.Errorf("hit %+v, want added by layer 1 and deleted by layer 2", h)
	}
}
