package gate

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/dustin/go-humanize"
	"github.com/dustin/go-humanize/english"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/tree"
)

// Formats of the gate's report.
var Formats = []string{"text", "json", "junit", "github"}

// Report is everything the gate prints.
type Report struct {
	analysis.Report
	Gate GateReport `json:"gate"`
}

// GateReport is the gate's part of the JSON report.
type GateReport struct {
	Result string `json:"result"` // PASS or FAIL
	Config string `json:"config"` // the file read, "" for none
	// Defaults: no file and no rule flag, so dive's defaults apply.
	Defaults bool     `json:"defaults"`
	Warnings []string `json:"warnings"`
	Outcome
}

// NewReport combines an analysis report with the gate's outcome.
func NewReport(rep analysis.Report, cfg *Config, o Outcome) Report {
	g := newGateReport(cfg.File, cfg.Warnings, o)
	g.Defaults = cfg.Defaults
	return Report{Report: rep, Gate: g}
}

// newGateReport is the verdict of o, with the file the rules came from
// and the warnings reading it gave (never null in JSON).
func newGateReport(file string, warnings []string, o Outcome) GateReport {
	result := "PASS"
	if !o.OK() {
		result = "FAIL"
	}
	if warnings == nil {
		warnings = []string{}
	}
	return GateReport{Result: result, Config: file, Warnings: warnings, Outcome: o}
}

// Write renders the report in format. Text uses colour codes: give it a
// colour-aware writer that strips them where colour is unwanted.
func Write(w io.Writer, format string, r Report) error {
	switch format {
	case "text", "":
		return writeText(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "junit":
		return writeJUnit(w, r)
	case "github":
		return writeGitHub(w, r)
	}
	return fmt.Errorf("unknown format %q (known: %s)", format, strings.Join(Formats, ", "))
}

// topWasted is how many wasted files the text report lists.
const topWasted = 10

var (
	styleHead = lipgloss.NewStyle().Bold(true)
	styleDim  = lipgloss.NewStyle().Faint(true)
	stylePass = lipgloss.NewStyle().Foreground(lipgloss.Green).Bold(true)
	styleFail = lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true)
	styleSkip = lipgloss.NewStyle().Foreground(lipgloss.Yellow)
)

func statusStyle(s Status) lipgloss.Style {
	switch s {
	case Pass:
		return stylePass
	case Fail:
		return styleFail
	}
	return styleSkip
}

func writeText(w io.Writer, r Report) error {
	var b strings.Builder
	img := r.Image
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	command := func(i int) string {
		if i >= 0 && i < len(r.Layers) && r.Layers[i].Command != "" {
			return " " + styleDim.Render(truncate(tree.Printable(r.Layers[i].Command), 60))
		}
		return ""
	}

	line("%s %s (%s)", styleHead.Render("Image"), tree.Printable(img.Name), img.Source)
	line("  size        %s in %d %s (%s stored)", humanize.Bytes(uint64(img.SizeBytes)), len(r.Layers), english.PluralWord(len(r.Layers), "layer", ""), humanize.Bytes(uint64(img.CompressedSizeBytes)))
	line("  efficiency  %.2f %%", img.Efficiency*100)
	line("  wasted      %s (%.2f %% of the %s above the base layer)", humanize.Bytes(uint64(img.WastedBytes)), img.UserWastedPercent*100, humanize.Bytes(uint64(img.UserSizeBytes)))
	line("  reclaimable %s (How to shrink, below)", humanize.Bytes(uint64(img.ReclaimableBytes)))
	if r.Gate.Defaults {
		line("  rules       %s", DefaultsNote)
	}
	for _, warn := range append(append([]string{}, img.Warnings...), r.Gate.Warnings...) {
		line("  %s %s", styleSkip.Render("warning"), tree.Printable(warn))
	}

	if len(img.Wasted) > 0 {
		line("")
		line("%s", styleHead.Render(fmt.Sprintf("Largest wasted files (%d of %d)", min(topWasted, len(img.Wasted)), len(img.Wasted))))
		for _, f := range img.Wasted[:min(topWasted, len(img.Wasted))] {
			line("  %9s  %s", humanize.Bytes(uint64(f.Bytes)), tree.Printable(f.Path))
			line("             added by layer %d%s", f.Layer, command(f.Layer))
			line("             %s by layer %d%s", f.How, f.ShadowedBy, command(f.ShadowedBy))
		}
	}

	writeAdviceText(line, r, command)
	writeVerdict(line, r.Gate, command)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeVerdict writes the forbidden-path hits, every rule and the last
// line, for an image's gate and a diff's alike.
func writeVerdict(line func(string, ...any), g GateReport, command func(int) string) {
	for _, res := range g.Results {
		if res.Rule != ForbiddenPaths || len(res.Hits) == 0 {
			continue
		}
		line("")
		line("%s", styleHead.Render("Forbidden paths"))
		for _, h := range res.Hits {
			line("  %s  (%s, matches %s)", styleFail.Render(tree.Printable(h.Path)), h.Type, h.Pattern)
			line("             added by layer %d%s", h.Layer, command(h.Layer))
			if h.ShadowedBy != nil {
				line("             hidden by layer %d%s, but still shipped in layer %d", *h.ShadowedBy, command(*h.ShadowedBy), h.Layer)
			}
		}
	}

	line("")
	line("%s", styleHead.Render("Rules"))
	for _, res := range g.Results {
		detail := res.Message
		switch {
		case res.Status == Skip:
		case res.Rule == ForbiddenPaths || res.Rule == Secrets:
			detail = fmt.Sprintf("%s, none allowed", res.Actual)
		case res.Rule == LowestEfficiency:
			detail = fmt.Sprintf("%s, minimum %s", res.Actual, res.Allowed)
		default:
			detail = fmt.Sprintf("%s, maximum %s", res.Actual, res.Allowed)
		}
		line("  %s  %-25s %s", statusStyle(res.Status).Render(string(res.Status)), res.Rule, detail)
	}
	line("")
	line("%s [pass:%d fail:%d skip:%d]", statusStyle(Status(g.Result)).Render(g.Result), g.Passed, g.Failed, g.Skipped)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Cases     []junitCase `xml:"testcase"`
	SystemOut string      `xml:"system-out,omitempty"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func writeJUnit(w io.Writer, r Report) error { return writeJUnitOf(w, r.Image.Name, r.Gate) }

// writeJUnitOf writes one test suite named after name, a case per rule.
func writeJUnitOf(w io.Writer, name string, g GateReport) error {
	suite := junitSuite{Name: "layerscope " + name, Tests: len(g.Results), Failures: g.Failed, Skipped: g.Skipped}
	if g.Defaults {
		suite.SystemOut = DefaultsNote
	}
	for _, res := range g.Results {
		c := junitCase{Name: res.Rule, Classname: "layerscope." + res.Rule}
		switch res.Status {
		case Fail:
			var text strings.Builder
			for _, h := range res.Hits {
				fmt.Fprintf(&text, "%s added by layer %d (%s)\n", h.Path, h.Layer, h.Command)
			}
			c.Failure = &junitFailure{Message: res.Message, Type: res.Rule, Text: text.String()}
		case Skip:
			c.Skipped = &junitSkipped{Message: res.Message}
		default:
			c.SystemOut = res.Message
		}
		suite.Cases = append(suite.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// writeGitHub prints workflow commands: an error per failed rule and per
// forbidden path, and a notice with the verdict.
func writeGitHub(w io.Writer, r Report) error {
	return writeGitHubOf(w, r.Image.Name, r.Gate, fmt.Sprintf("efficiency %.2f %%, wasted %s", r.Image.Efficiency*100, humanize.Bytes(uint64(r.Image.WastedBytes))))
}

// writeGitHubOf writes the annotations of g; the notice names name and
// ends with facts.
func writeGitHubOf(w io.Writer, name string, g GateReport, facts string) error {
	var b strings.Builder
	for _, res := range g.Results {
		if res.Status != Fail {
			continue
		}
		if len(res.Hits) == 0 {
			fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty("layerscope "+res.Rule), ghData(res.Message))
			continue
		}
		for _, h := range res.Hits {
			msg := fmt.Sprintf("%s (matches %s) added by layer %d: %s", h.Path, h.Pattern, h.Layer, h.Command)
			if h.ShadowedBy != nil {
				msg += fmt.Sprintf("; hidden by layer %d but still shipped", *h.ShadowedBy)
			}
			fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty("layerscope "+res.Rule), ghData(msg))
		}
	}
	verdict := fmt.Sprintf("%s [pass:%d fail:%d skip:%d] %s", g.Result, g.Passed, g.Failed, g.Skipped, facts)
	if g.Defaults {
		verdict += "; " + DefaultsNote
	}
	fmt.Fprintf(&b, "::notice title=%s::%s\n", ghProperty("layerscope "+name), ghData(verdict))
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData and ghProperty escape workflow command text as GitHub requires.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
