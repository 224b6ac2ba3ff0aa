package gate

import (
	"fmt"
	"strconv"

	"github.com/dustin/go-humanize"

	"github.com/layerscope/layerscope/analysis"
)

// Status is a rule's outcome.
type Status string

// Outcomes.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// RuleResult is one rule's outcome with its actual and allowed values.
type RuleResult struct {
	Rule         string   `json:"rule"`
	Status       Status   `json:"status"`
	Actual       string   `json:"actual,omitempty"`
	Allowed      string   `json:"allowed,omitempty"`
	ActualValue  *float64 `json:"actualValue,omitempty"` // unset for skipped rules
	AllowedValue *float64 `json:"allowedValue,omitempty"`
	Message      string   `json:"message"`
	Layer        *int     `json:"layer,omitempty"` // highestLayerBytes: the largest layer
	Hits         []Hit    `json:"hits,omitempty"`  // forbiddenPaths
}

// Hit is an entry at a forbidden path, in any layer: a file deleted by a
// later layer is still shipped, and readable by anyone who pulls the image.
type Hit struct {
	Path    string `json:"path"`
	Pattern string `json:"pattern"`
	Type    string `json:"type"`
	Layer   int    `json:"layer"`
	Command string `json:"command"`
	// Visible: the entry is in the final file system. Otherwise
	// ShadowedBy names the layer that deleted or overwrote it.
	Visible       bool   `json:"visible"`
	ShadowedBy    *int   `json:"shadowedBy,omitempty"`
	ShadowCommand string `json:"shadowCommand,omitempty"`
}

// Outcome is the gate's verdict.
type Outcome struct {
	Results []RuleResult `json:"rules"`
	Passed  int          `json:"pass"`
	Failed  int          `json:"fail"`
	Skipped int          `json:"skip"`
}

// OK reports whether no rule failed.
func (o Outcome) OK() bool { return o.Failed == 0 }

// add counts r and appends it.
func (o *Outcome) add(r RuleResult) {
	switch r.Status {
	case Pass:
		o.Passed++
	case Fail:
		o.Failed++
	default:
		o.Skipped++
	}
	o.Results = append(o.Results, r)
}

// Evaluate checks every rule against the analysis.
func Evaluate(res *analysis.Result, rules Rules) Outcome {
	m := res.Metrics
	var o Outcome
	add := o.add
	// ratio rules: fail below (lowest) or above (highest) the threshold.
	ratio := func(key string, threshold *float64, actual float64, lowest bool) {
		if threshold == nil {
			add(skipped(key))
			return
		}
		r := RuleResult{Rule: key, Actual: formatRatio(actual), Allowed: rules.Given[key], ActualValue: &actual, AllowedValue: threshold}
		failed := actual > *threshold
		r.Message = fmt.Sprintf("%s is %s, at most %s allowed", key, r.Actual, r.Allowed)
		if lowest {
			failed = actual < *threshold
			r.Message = fmt.Sprintf("%s is %s, at least %s required", key, r.Actual, r.Allowed)
		}
		add(verdict(r, failed))
	}
	size := func(key string, threshold *int64, actual int64, what string) RuleResult {
		if threshold == nil {
			return skipped(key)
		}
		r := RuleResult{Rule: key, Actual: fmt.Sprintf("%s (%d bytes)", humanize.Bytes(uint64(actual)), actual),
			Allowed: fmt.Sprintf("%s (%d bytes)", rules.Given[key], *threshold), ActualValue: num(actual), AllowedValue: num(*threshold)}
		r.Message = fmt.Sprintf("%s: %s, at most %s allowed", what, r.Actual, r.Allowed)
		return verdict(r, actual > *threshold)
	}

	ratio(LowestEfficiency, rules.LowestEfficiency, m.Efficiency, true)
	add(size(HighestWastedBytes, rules.HighestWastedBytes, m.WastedBytes, "wasted bytes"))
	ratio(HighestUserWastedPercent, rules.HighestUserWastedPercent, m.UserWastedPercent, false)
	add(size(HighestImageBytes, rules.HighestImageBytes, m.SizeBytes, "image size"))

	largest, largestAt := int64(0), 0
	for i, l := range res.Layers {
		if l.SizeBytes > largest {
			largest, largestAt = l.SizeBytes, i
		}
	}
	lr := size(HighestLayerBytes, rules.HighestLayerBytes, largest, fmt.Sprintf("largest layer (%d)", largestAt))
	if lr.Status != Skip {
		lr.Layer = &largestAt
	}
	add(lr)

	if rules.HighestLayerCount == nil {
		add(skipped(HighestLayerCount))
	} else {
		n := int64(len(res.Layers))
		r := RuleResult{Rule: HighestLayerCount, Actual: strconv.FormatInt(n, 10), Allowed: strconv.FormatInt(*rules.HighestLayerCount, 10),
			ActualValue: num(n), AllowedValue: num(*rules.HighestLayerCount)}
		r.Message = fmt.Sprintf("%s layers, at most %s allowed", r.Actual, r.Allowed)
		add(verdict(r, n > *rules.HighestLayerCount))
	}

	if len(rules.ForbiddenPaths) == 0 {
		add(skipped(ForbiddenPaths))
	} else {
		hits := forbidden(res, rules.ForbiddenPaths)
		r := RuleResult{Rule: ForbiddenPaths, Actual: fmt.Sprintf("%d hits", len(hits)), Allowed: "none",
			ActualValue: num(int64(len(hits))), AllowedValue: num(0), Hits: hits}
		r.Message = fmt.Sprintf("no path matches %s", rules.Given[ForbiddenPaths])
		if len(hits) > 0 {
			r.Message = fmt.Sprintf("%d entries match forbidden paths, first %s in layer %d", len(hits), hits[0].Path, hits[0].Layer)
		}
		add(verdict(r, len(hits) > 0))
	}
	adviceRules(res, rules, add)
	return o
}

func skipped(key string) RuleResult {
	return RuleResult{Rule: key, Status: Skip, Message: "disabled"}
}

func verdict(r RuleResult, failed bool) RuleResult {
	r.Status = Pass
	if failed {
		r.Status = Fail
	}
	return r
}

func num(n int64) *float64 {
	f := float64(n)
	return &f
}

func formatRatio(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

// forbidden finds every entry of every layer at a forbidden path.
func forbidden(res *analysis.Result, patterns []string) []Hit {
	globs := make([]glob, len(patterns))
	for i, p := range patterns {
		globs[i] = newGlob(p)
	}
	f := res.FS
	var hits []Hit
	for i := range res.Layers {
		for _, e := range f.LayerEntries(i) {
			if e.Type.IsMarker() {
				continue
			}
			p := f.Path(e.Node)
			for _, g := range globs {
				if !g.match(p) {
					continue
				}
				h := Hit{Path: p, Pattern: g.text, Type: e.Type.String(), Layer: i, Command: res.Layers[i].Command, Visible: true}
				if by, ok := e.Shadowed(); ok {
					h.Visible, h.ShadowedBy, h.ShadowCommand = false, &by, res.Layers[by].Command
				}
				hits = append(hits, h)
				break
			}
		}
	}
	return hits
}
