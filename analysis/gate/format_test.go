package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/layerscope/layerscope/analysis"
	"github.com/layerscope/layerscope/analysis/source"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// basicReport gates the basic fixture with one rule of each outcome kind.
func basicReport(t *testing.T) Report {
	t.Helper()
	img, err := source.Open(context.Background(), filepath.Join("..", "..", "testdata", "fixtures", "basic.docker.tar"), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := analysis.Analyze(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &Config{File: ".layerscope-ci.yaml", Warnings: []string{}}
	for k, v := range map[string]string{LowestEfficiency: "0.9", HighestWastedBytes: "50kB", HighestLayerCount: "20", ForbiddenPaths: "**/*.bin"} {
		if err := cfg.Rules.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	info := analysis.ImageInfo{Name: img.Name, Source: string(img.Source)}
	return NewReport(res.Report(info, analysis.ReportOptions{}), cfg, Evaluate(res, cfg.Rules))
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name+".golden")
	if *update {
		os.WriteFile(p, got, 0o644)
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n%s", name, p, got)
	}
}

func TestFormatsGolden(t *testing.T) {
	rep := basicReport(t)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			// As on a pipe: no colour.
			w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.NoTTY}
			if err := Write(w, format, rep); err != nil {
				t.Fatal(err)
			}
			golden(t, "basic."+format, buf.Bytes())
			switch format {
			case "json":
				var back Report
				if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Gate.Result != "FAIL" || back.Gate.Failed != 2 || len(back.Layers) != 17 {
					t.Errorf("JSON does not read back: %v %+v", err, back.Gate)
				}
			case "junit":
				var suites junitSuites
				if err := xml.Unmarshal(buf.Bytes(), &suites); err != nil || suites.Suites[0].Failures != 2 || len(suites.Suites[0].Cases) != len(RuleKeys) {
					t.Errorf("JUnit does not read back: %v %+v", err, suites)
				}
			case "github":
				if n := strings.Count(buf.String(), "::error "); n != 4 { // highestWastedBytes and 3 forbidden entries
					t.Errorf("%d error annotations, want 4", n)
				}
			case "text":
				if !strings.HasSuffix(buf.String(), "FAIL [pass:3 fail:2 skip:4]\n") {
					t.Errorf("text does not end with the verdict")
				}
			}
		})
	}
}

func TestTextColourOnlyOnATerminal(t *testing.T) {
	rep := basicReport(t)
	var plain, coloured bytes.Buffer
	Write(&colorprofile.Writer{Forward: &plain, Profile: colorprofile.NoTTY}, "text", rep)
	Write(&colorprofile.Writer{Forward: &coloured, Profile: colorprofile.ANSI}, "text", rep)
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("colour codes without a terminal")
	}
	if !strings.Contains(coloured.String(), "\x1b[") {
		t.Error("no colour on a colour terminal")
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "yaml", Report{}); err == nil {
		t.Error("an unknown format was accepted")
	}
}
