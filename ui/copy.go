package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/layerscope/layerscope/tree"
	"github.com/layerscope/layerscope/ui/clipboard"
)

// copyPath copies the path under the tree's cursor.
func (m *Model) copyPath() tea.Cmd {
	n := m.tree.Cursor()
	p := m.c.Result.FS.Path(n)
	return m.copier.Copy(p, tree.Printable(p))
}

// copyCommand copies the shell command that copies the path under the
// cursor out of the image with its engine. Only an image in Docker or
// Podman has one (a registry's is pulled by docker create); for an
// archive or a layout the path is copied and the footer says why.
func (m *Model) copyCommand() tea.Cmd {
	p := m.c.Result.FS.Path(m.tree.Cursor())
	engine := ""
	if m.img != nil {
		// The source is "<kind>" or "<kind> (<where>)", as the CLI writes it.
		kind, _, _ := strings.Cut(m.img.Info.Source, " ")
		switch kind {
		case "docker", "podman":
			engine = kind
		case "registry":
			engine = "docker"
		}
	}
	if engine == "" {
		return m.copier.Copy(p, tree.Printable(p)+"; C needs the image in Docker or Podman")
	}
	cmd, err := clipboard.ExtractCommand(engine, m.img.Info.Name, p)
	if err != nil {
		m.status = err.Error()
		return nil
	}
	return m.copier.Copy(cmd, "the "+engine+" command that extracts "+tree.Printable(p))
}
