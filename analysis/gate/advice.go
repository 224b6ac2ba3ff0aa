package gate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/advice"
	"github.com/layerscope/layerscope/tree"
)

// setAdvice sets the advice's rules: secrets (on, true) and
// highestReclaimableBytes (a size). Disabling goes through clearAdvice.
func (r *Rules) setAdvice(key, value string) error {
	switch key {
	case Secrets:
		switch strings.ToLower(value) {
		case "on", "true", "enabled", "yes":
			r.SecretsOff = false
			r.Given[key] = value
			return nil
		}
		return fmt.Errorf("%s: %q is not on or off", key, value)
	case HighestReclaimableBytes:
		n, err := parseSize(key, value)
		if err == nil {
			r.HighestReclaimableBytes = n
			r.Given[key] = value
		}
		return err
	}
	return fmt.Errorf("unknown rule %q", key)
}

func (r *Rules) clearAdvice(key string) {
	switch key {
	case Secrets:
		r.SecretsOff = true
	case HighestReclaimableBytes:
		r.HighestReclaimableBytes = nil
	}
}

// adviceRules evaluates the advice's rules.
func adviceRules(res *analysis.Result, rules Rules, add func(RuleResult)) {
	adv := res.Advice()
	if rules.SecretsOff {
		add(skipped(Secrets))
	} else {
		add(secretsRule(res, adv))
	}
	if rules.HighestReclaimableBytes == nil {
		add(skipped(HighestReclaimableBytes))
		return
	}
	max, actual := *rules.HighestReclaimableBytes, adv.ReclaimableBytes
	r := RuleResult{Rule: HighestReclaimableBytes, Actual: fmt.Sprintf("%s (%d bytes)", humanize.Bytes(uint64(actual)), actual),
		Allowed: fmt.Sprintf("%s (%d bytes)", rules.Given[HighestReclaimableBytes], max), ActualValue: num(actual), AllowedValue: num(max)}
	r.Message = fmt.Sprintf("reclaimable bytes: %s, at most %s allowed", r.Actual, r.Allowed)
	add(verdict(r, actual > max))
}

// secretsRule fails when the image ships a secret: each is a hit, with
// its value redacted.
func secretsRule(res *analysis.Result, adv advice.Report) RuleResult {
	var hits []Hit
	for _, f := range adv.Findings {
		if f.Kind != advice.KindSecret || f.Secret == nil {
			continue
		}
		h := Hit{Path: secretPlace(f), Pattern: f.Secret.Type + " " + advice.Describe(f.Secret.Redacted, f.Secret.Length),
			Type: "secret", Layer: f.Layer, Visible: f.RemovedBy == nil}
		if f.Layer < len(res.Layers) {
			h.Command = res.Layers[f.Layer].Command
		}
		if f.RemovedBy != nil {
			by := *f.RemovedBy
			h.ShadowedBy = &by
			if by < len(res.Layers) {
				h.ShadowCommand = res.Layers[by].Command
			}
		}
		hits = append(hits, h)
	}
	r := RuleResult{Rule: Secrets, Actual: fmt.Sprintf("%d found", len(hits)), Allowed: "none",
		ActualValue: num(int64(len(hits))), AllowedValue: num(0), Hits: hits, Message: "no secrets found"}
	if slices.Contains(adv.NotChecked, advice.KindSecret) {
		r.Message += " (file contents were not read)"
	}
	if len(hits) > 0 {
		r.Message = fmt.Sprintf("%s, the first %s in %s (layer %d)", countOf(len(hits), "secret"), hits[0].Pattern, hits[0].Path, hits[0].Layer)
	}
	return verdict(r, len(hits) > 0)
}

// secretPlace is where a secret is: its file, or ENV NAME, LABEL key, or
// the history.
func secretPlace(f advice.Finding) string {
	switch s := f.Secret; {
	case len(f.Paths) > 0:
		return f.Paths[0]
	case s.Where == "env":
		return "ENV " + s.Name
	case s.Where == "label":
		return "LABEL " + s.Name
	}
	return "the history of layer " + fmt.Sprint(f.Layer)
}

// topAdvice is how many findings "How to shrink" lists.
const topAdvice = 8

// writeAdviceText writes the text report's "How to shrink" and "Secrets"
// sections.
func writeAdviceText(line func(string, ...any), r Report, command func(int) string) {
	var shrink, secrets []advice.Finding
	for _, f := range r.Advice {
		if f.Kind == advice.KindSecret {
			secrets = append(secrets, f)
		} else {
			shrink = append(shrink, f)
		}
	}
	if len(shrink) > 0 || len(r.Image.AdviceNotChecked) > 0 {
		line("")
		line("%s", styleHead.Render(fmt.Sprintf("How to shrink (%s reclaimable, %s)", humanize.Bytes(uint64(r.Image.ReclaimableBytes)), countOf(len(shrink), "finding"))))
		for _, f := range shrink[:min(topAdvice, len(shrink))] {
			line("  %9s  %s  %s", humanize.Bytes(uint64(f.Bytes)), f.Kind, tree.Printable(f.Message))
			line("             fix: %s", tree.Printable(f.Fix))
			for _, p := range f.Paths[:min(3, len(f.Paths))] {
				line("             %s", styleDim.Render(tree.Printable(p)))
			}
			if f.Count > 3 {
				line("             %s", styleDim.Render(fmt.Sprintf("… %d paths in all", f.Count)))
			}
		}
		if len(shrink) > topAdvice {
			line("  %s", styleDim.Render(fmt.Sprintf("%d more in the JSON report (--json)", len(shrink)-topAdvice)))
		}
		for _, k := range r.Image.AdviceNotChecked {
			what := "duplicate files"
			if k == advice.KindSecret {
				what = "secrets in file contents"
			}
			line("  %s %s were not checked: --no-verify skipped file contents", styleSkip.Render("note"), what)
		}
	}
	if len(secrets) == 0 {
		return
	}
	line("")
	line("%s", styleHead.Render(fmt.Sprintf("Secrets (%d)", len(secrets))))
	for _, f := range secrets {
		s := f.Secret
		line("  %s  %s %s", styleFail.Render(tree.Printable(secretPlace(f))), tree.Printable(s.Type), advice.Describe(tree.Printable(s.Redacted), s.Length))
		line("             in layer %d%s", f.Layer, command(f.Layer))
		if f.RemovedBy != nil {
			line("             removed by layer %d%s, but still shipped in layer %d", *f.RemovedBy, command(*f.RemovedBy), f.Layer)
		}
		line("             fix: %s", tree.Printable(f.Fix))
	}
}

func countOf(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
