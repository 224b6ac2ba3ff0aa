package advice

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerscope/layerscope/tree"
)

const (
	fixFileSecret   = "never COPY or write secrets into a layer (a later rm does not remove them): use RUN --mount=type=secret or provide them at run time; rotate this one"
	fixConfigSecret = "do not bake secrets into ENV or LABEL: provide them at run time (docker run -e, a secret store) or at build time with RUN --mount=type=secret; rotate this one"
	fixHistory      = "pass secrets with RUN --mount=type=secret, not in the command or a build argument, which the image's history keeps; rotate this one"
)

// what says which secret: its type, redacted start and length.
func what(m Match) string {
	article := "a"
	if strings.ContainsRune("aeiouAEIOU", rune(m.Type[0])) || strings.HasPrefix(m.Type, "npm") {
		article = "an"
	}
	return fmt.Sprintf("%s %s (%s)", article, m.Type, Describe(m.Redacted, m.Length))
}

func secretOf(m Match, where, name string) *Secret {
	if name == "" {
		name = m.Name
	}
	return &Secret{Type: m.Type, Where: where, Name: name, Redacted: m.Redacted, Length: m.Length}
}

// fileSecrets makes one finding per file entry with secrets, in any layer:
// a file a later layer deletes is still in the image.
func fileSecrets(in Input) []Finding {
	f := in.FS
	byEntry := map[tree.EntryID][]Match{}
	var order []tree.EntryID
	for _, s := range in.Secrets {
		if int(s.Entry) >= f.NumEntries() {
			continue
		}
		if _, ok := byEntry[s.Entry]; !ok {
			order = append(order, s.Entry)
		}
		byEntry[s.Entry] = append(byEntry[s.Entry], s.Match)
	}
	var out []Finding
	for _, id := range order {
		e := f.Entry(id)
		ms := byEntry[id]
		p := f.Path(e.Node)
		l := int(e.Layer)
		msg := fmt.Sprintf("%s ships %s in %s", step(in, l), what(ms[0]), tree.Printable(p))
		if len(ms) > 1 {
			msg += fmt.Sprintf(" and %s more", plural(len(ms)-1, "secret"))
		}
		fd := Finding{Kind: KindSecret, Layer: l, Bytes: e.Bytes(), Paths: []string{p}, Count: 1, Fix: fixFileSecret,
			Secret: secretOf(ms[0], "file", ""), claims: []tree.EntryID{id}}
		if by, ok := e.Shadowed(); ok && by != l {
			fd.RemovedBy = &by
			msg += fmt.Sprintf("; %s removes it, but layer %d still ships it", step(in, by), l)
		}
		fd.Message = msg
		out = append(out, fd)
	}
	return out
}

// configSecrets finds secrets in the config: ENV, labels, and the history's
// commands (build arguments included). A value found in ENV is not
// reported again for the history step that set it.
func configSecrets(in Input) []Finding {
	cfg := in.Config
	if cfg == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []Finding
	add := func(text string, m Match, where, name string, layer int, msg, fix string) {
		v := text[m.Start:m.End]
		if seen[v] {
			return
		}
		seen[v] = true
		out = append(out, Finding{Kind: KindSecret, Layer: layer, Paths: []string{}, Message: msg, Fix: fix, Secret: secretOf(m, where, name)})
	}
	for _, env := range cfg.Config.Env {
		name, _, _ := strings.Cut(env, "=")
		for _, m := range ScanText(env) {
			l := in.stepLayer("ENV", name+"=")
			add(env, m, "env", name, l, fmt.Sprintf("ENV %s holds %s, set by %s: anyone who pulls the image can read it",
				tree.Printable(name), what(m), step(in, l)), fixConfigSecret)
		}
	}
	keys := make([]string, 0, len(cfg.Config.Labels))
	for k := range cfg.Config.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := cfg.Config.Labels[k]
		ms := ScanText(v)
		if len(ms) == 0 && SecretName(k) && plausibleValue([]byte(v)) {
			ms = []Match{newMatch([]byte(v), "secret in a label", k, 0, len(v), 0)}
		}
		for _, m := range ms {
			l := in.stepLayer("LABEL", k)
			add(v, m, "label", k, l, fmt.Sprintf("LABEL %s holds %s, set by %s: anyone who pulls the image can read it",
				tree.Printable(k), what(m), step(in, l)), fixConfigSecret)
		}
	}
	for l, steps := range in.Steps {
		for _, s := range steps {
			for _, m := range ScanText(s) {
				add(s, m, "history", "", l, fmt.Sprintf("the build step of %s has %s in its command, which the image's history keeps",
					step(in, l), what(m)), fixHistory)
			}
		}
	}
	return out
}

// stepLayer is the layer of the newest history step that is an
// instruction (ENV, LABEL) mentioning key; the last layer when none is.
func (in Input) stepLayer(instr, key string) int {
	for l := len(in.Steps) - 1; l >= 0; l-- {
		for _, s := range slices.Backward(in.Steps[l]) {
			if strings.Contains(s, instr) && strings.Contains(s, key) {
				return l
			}
		}
	}
	return max(len(in.Commands)-1, 0)
}
