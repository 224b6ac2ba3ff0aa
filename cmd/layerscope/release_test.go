package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGoreleaserConfig: the release configuration passes `goreleaser check`.
func TestGoreleaserConfig(t *testing.T) {
	needTool(t, "goreleaser")
	cmd := exec.Command("goreleaser", "check")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
}
