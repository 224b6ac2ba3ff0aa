package analysis

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerscope/layerscope/analysis/advice"
	"github.com/layerscope/layerscope/analysis/source"
	"github.com/layerscope/layerscope/analysis/synth"
)

// TestAdviceHeadersOnly: a headers-only read has no content hashes, so
// duplicates are reported as not checked; the secret candidates are read
// by offset afterwards, so a key in a deleted file is still found, and
// only that file is read.
func TestAdviceHeadersOnly(t *testing.T) {
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\n" + strings.Repeat("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n", 3) + "-----END OPENSSH PRIVATE KEY-----\n"
	layer := func(es ...synth.Entry) []byte {
		var b bytes.Buffer
		if err := synth.WriteLayer(&b, es...); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	p := filepath.Join(t.TempDir(), "save.tar")
	big := strings.Repeat("z", 2_000_000)
	if err := synth.WriteDockerSave(p,
		layer(synth.File("root/.ssh/id_ed25519", key), synth.File("data/a.bin", big), synth.File("data/b.bin", big)),
		layer(synth.Whiteout("root/.ssh/id_ed25519")),
	); err != nil {
		t.Fatal(err)
	}
	img, err := source.Open(context.Background(), p, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	before, err := synth.BytesRead()
	if err != nil {
		t.Skip(err)
	}
	res, err := Analyze(context.Background(), img, WithoutVerify(), WithHeadersOnly())
	if err != nil {
		t.Fatal(err)
	}
	after, _ := synth.BytesRead()
	if read := after - before; read > 100_000 {
		t.Errorf("read %d bytes of a 4 MB image", read)
	}
	rep := res.Advice()
	if !slices.Equal(rep.NotChecked, []string{advice.KindDuplicateContent}) {
		t.Errorf("not checked %v, want duplicate-content only", rep.NotChecked)
	}
	i := slices.IndexFunc(rep.Findings, func(f advice.Finding) bool { return f.Kind == advice.KindSecret })
	if i < 0 || rep.Findings[i].Paths[0] != "/root/.ssh/id_ed25519" || rep.Findings[i].RemovedBy == nil {
		t.Errorf("findings %+v, want the deleted key", rep.Findings)
	}
}
