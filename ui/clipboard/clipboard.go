// Package clipboard copies text for the explorer: through the terminal
// with OSC 52 (which reaches the user's own clipboard over SSH and in
// tmux), and also into the system clipboard when one is at hand (a
// Wayland or X display, macOS, Windows) and the session is not remote —
// over SSH the system clipboard would be the server's.
package clipboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/tree"
)

// MaxText bounds what is copied: OSC 52 receivers cut or drop long
// sequences, and nothing the explorer copies is longer.
const MaxText = 64 << 10

// Copier copies text. Its fields are what it looks at of the system, so
// that tests can give their own.
type Copier struct {
	Getenv   func(string) string
	LookPath func(string) (string, error)
	// Run runs a clipboard tool with text on its standard input.
	Run  func(ctx context.Context, name string, args []string, text string) error
	GOOS string
}

// New returns a Copier for this system.
func New() *Copier {
	return &Copier{Getenv: os.Getenv, LookPath: exec.LookPath, Run: run, GOOS: runtime.GOOS}
}

func run(ctx context.Context, name string, args []string, text string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg != "" {
			return fmt.Errorf("%s: %w: %s", name, err, tree.Printable(firstLine(msg)))
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// CopiedMsg says what was copied and how.
type CopiedMsg struct {
	What string   // what the text is, for the footer ("/etc/passwd")
	Via  []string // "OSC 52", and the system tool used if any
	Err  error    // the system clipboard's error (OSC 52 cannot report one)
}

// Status is the footer line for the copy.
func (m CopiedMsg) Status() string {
	s := fmt.Sprintf("copied %s (%s)", m.What, strings.Join(m.Via, ", "))
	if m.Err != nil {
		s += "; system clipboard: " + m.Err.Error()
	}
	return s
}

// Copy returns the command that copies text, described as what in the
// message that reports it: the OSC 52 sequence goes out with the next
// frame, the system clipboard is written in the background (at most 2 s).
func (c *Copier) Copy(text, what string) tea.Cmd {
	if len(text) > MaxText {
		return func() tea.Msg {
			return CopiedMsg{What: what, Err: fmt.Errorf("%d bytes is more than the %d the clipboard takes", len(text), MaxText)}
		}
	}
	name, args := c.tool()
	report := func() tea.Msg {
		msg := CopiedMsg{What: what, Via: []string{"OSC 52"}}
		if name == "" {
			return msg
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := c.Run(ctx, name, args, text); err != nil {
			msg.Err = err
		} else {
			msg.Via = append(msg.Via, name)
		}
		return msg
	}
	return tea.Sequence(tea.SetClipboard(text), report)
}

// tool is the system clipboard's command, "" when there is none to use.
func (c *Copier) tool() (string, []string) {
	if c.Getenv("SSH_CONNECTION") != "" || c.Getenv("SSH_TTY") != "" {
		return "", nil // the system clipboard is the server's: OSC 52 only
	}
	var candidates [][]string
	switch {
	case c.GOOS == "darwin":
		candidates = [][]string{{"pbcopy"}}
	case c.GOOS == "windows":
		candidates = [][]string{{"clip.exe"}}
	case c.Getenv("WAYLAND_DISPLAY") != "":
		candidates = [][]string{{"wl-copy"}, {"xclip", "-selection", "clipboard"}, {"xsel", "--clipboard", "--input"}}
	case c.Getenv("DISPLAY") != "":
		candidates = [][]string{{"xclip", "-selection", "clipboard"}, {"xsel", "--clipboard", "--input"}}
	}
	for _, cand := range candidates {
		if _, err := c.LookPath(cand[0]); err == nil {
			return cand[0], cand[1:]
		}
	}
	return "", nil
}

// ErrUnsafe is returned for a path that cannot be put into a shell
// command safely: it has control characters (a newline would run what
// follows it when pasted).
var ErrUnsafe = errors.New("the path has control characters: copy the path instead")

// ExtractCommand is a shell command that copies path out of image into
// the current directory with engine ("docker" or "podman"): the image's
// final file system, as the engine has it.
func ExtractCommand(engine, image, path string) (string, error) {
	if engine != "podman" {
		engine = "docker"
	}
	if tree.Printable(path) != path || tree.Printable(image) != image {
		return "", ErrUnsafe
	}
	// create never runs the container: the command "true" need not exist
	// in the image, but create wants one when the image has none. The
	// container goes whatever cp does, and the line ends with cp's status
	// (from a subshell: pasted into a shell, it must not exit it).
	return fmt.Sprintf(`id=$(%[1]s create %[2]s true) && { %[1]s cp "$id":%[3]s .; r=$?; %[1]s rm "$id" >/dev/null; (exit $r); }`,
		engine, quote(image), quote(path)), nil
}

// quote single-quotes s for a POSIX shell.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
