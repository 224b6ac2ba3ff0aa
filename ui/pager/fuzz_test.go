package pager

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/layerscope/layerscope/ui/internal/uitest"
)

// FuzzView: any bytes, any size, any keys (wrap, sideways, search):
// never a panic, always exactly the pane's size.
func FuzzView(f *testing.F) {
	f.Add([]byte(sample), uint8(60), uint8(12), "w/e\rnNG")
	f.Add([]byte("\x00\x01\x02abc"), uint8(39), uint8(5), "/b\rnN")
	f.Add([]byte(strings.Repeat("漢\t", 100)), uint8(9), uint8(3), "wjjGkl")
	f.Fuzz(func(t *testing.T, data []byte, w, h uint8, keys string) {
		if len(keys) > 64 {
			keys = keys[:64]
		}
		m := New(uitest.Common(nil, true), "/f", int64(len(data)), newCounter(strings.NewReader(string(data))).open)
		m.maxKeep = 4096
		width, height := int(w%200)+1, int(h%60)+1
		m.SetSize(width, height)
		run(m, m.Init())
		names := map[byte]string{'j': "down", 'k': "up", 'G': "end", 'g': "home", 'l': "right", 'h': "left",
			'\r': "enter", 0x1b: "esc", 'P': "pgdown", 'p': "pgup"}
		for i := 0; i < len(keys); i++ {
			k, ok := names[keys[i]]
			if !ok {
				k = string(rune(keys[i]))
				if keys[i] < 0x20 || keys[i] >= 0x7f {
					continue
				}
			}
			run(m, m.Update(uitest.Key(k)))
			lines := strings.Split(m.View(), "\n")
			if len(lines) != height {
				t.Fatalf("%d×%d after %q: %d lines", width, height, keys[:i+1], len(lines))
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > width {
					t.Fatalf("%d×%d after %q: a line of %d cells", width, height, keys[:i+1], ansi.StringWidth(l))
				}
			}
		}
	})
}
