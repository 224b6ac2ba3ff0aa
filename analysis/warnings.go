package analysis

import "fmt"

// warnExamples is how many warnings of one kind are kept word for word;
// the rest are counted. A hostile layer can make a million of one kind
// (entries with empty names): the report stays small.
const warnExamples = 5

// warnings collects warnings by kind, keeping a few examples of each and
// a count of all, in the order kinds first appear.
type warnings struct {
	kinds []*warnKind
	index map[string]int
}

type warnKind struct {
	key      string // the format string: one kind per message shape
	examples []string
	count    int
}

// addf records a warning; its kind is its format.
func (w *warnings) addf(format string, args ...any) {
	w.add(format, 1, fmt.Sprintf(format, args...))
}

func (w *warnings) add(key string, count int, examples ...string) {
	if w.index == nil {
		w.index = map[string]int{}
	}
	i, ok := w.index[key]
	if !ok {
		i = len(w.kinds)
		w.index[key] = i
		w.kinds = append(w.kinds, &warnKind{key: key})
	}
	k := w.kinds[i]
	k.count += count
	for _, e := range examples {
		if len(k.examples) < warnExamples {
			k.examples = append(k.examples, e)
		}
	}
}

// merge adds o's warnings, each example prefixed (with its layer).
func (w *warnings) merge(o *warnings, prefix string) {
	for _, k := range o.kinds {
		ex := make([]string, len(k.examples))
		for i, e := range k.examples {
			ex[i] = prefix + e
		}
		w.add(k.key, k.count, ex...)
	}
}

// lines are the warnings as the report shows them: the examples, then for
// each kind with more, one line with the count.
func (w *warnings) lines() []string {
	var out []string
	for _, k := range w.kinds {
		out = append(out, k.examples...)
		if more := k.count - len(k.examples); more > 0 {
			out = append(out, fmt.Sprintf("… and %d more warnings like the last", more))
		}
	}
	return out
}
