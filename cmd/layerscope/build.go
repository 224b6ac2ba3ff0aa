package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/layerscope/layerscope/analysis/safefile"
)

// EngineBinaryEnv names the environment variable that picks the build
// command's binary (e.g. /usr/bin/docker for a client with BuildKit).
const EngineBinaryEnv = "LAYERSCOPE_ENGINE_BINARY"

// buildFlags are build's own flags, beside those of the image it reads.
type buildFlags struct {
	engine string // docker or podman
	binary string // the engine's command
}

func newBuildCmd() *cobra.Command {
	var fl rootFlags
	var bf buildFlags
	cmd := &cobra.Command{
		Use:   "build [layerscope flags] [docker build arguments…]",
		Short: "Build an image with docker build (or podman build), then explore or gate it",
		Long: `build runs docker build (podman build with --engine podman) with the given
arguments, its output streamed to stderr, takes the image ID it reports
through --iidfile, and then explores that image, or with --ci gates it
(exit codes as the gate's: 0 passed, 1 a rule failed, 2 an error; a failed
build is 2). layerscope's flags come first; the first argument that is not
one of them, or "--", starts the build arguments. --platform is passed to
the build too. ctrl+c stops the build and exits 130.

The engine's command is docker or podman from PATH, or --engine-binary, or
$` + EngineBinaryEnv + ` (BuildKit: DOCKER_BUILDKIT=1 and a docker client that has it).`,
		Example: `  # build and explore
  layerscope build -t app:dev .

  # build and gate, with BuildKit
  DOCKER_BUILDKIT=1 layerscope build --ci --lowestEfficiency 0.95 -f Dockerfile.prod .

  # with Podman
  layerscope build --engine podman --ci --format junit -t app .`,
		DisableFlagParsing: true,
		SilenceUsage:       true,
		SilenceErrors:      true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ours, theirs, err := splitBuildArgs(cmd, args)
			if err != nil {
				return err
			}
			if err := cmd.Flags().Parse(ours); err != nil {
				return fmt.Errorf("%w (see layerscope build --help)", err)
			}
			if h := cmd.Flags().Lookup("help"); h != nil && h.Changed {
				return cmd.Help()
			}
			if fl.platform != "" {
				theirs = append([]string{"--platform", fl.platform}, theirs...)
			}
			return runBuild(cmd, bf, fl, theirs)
		},
	}
	f := cmd.Flags()
	addImageFlags(f, &fl)
	f.StringVar(&bf.engine, "engine", "docker", "build with `docker` or podman")
	f.StringVar(&bf.binary, "engine-binary", "", "the engine's command (default: $"+EngineBinaryEnv+", else docker or podman from PATH)")
	f.BoolP("help", "h", false, "help for build")
	return cmd
}

// splitBuildArgs takes layerscope's flags from the front of args (long
// forms only: -q, -t and the like are docker's) and leaves the rest to the
// build.
func splitBuildArgs(cmd *cobra.Command, args []string) (ours, theirs []string, err error) {
	f := cmd.Flags()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return ours, args[i+1:], nil
		}
		if a == "-h" {
			ours = append(ours, a)
			continue
		}
		name, hasValue := strings.CutPrefix(a, "--")
		if !hasValue {
			return ours, args[i:], nil
		}
		name, _, withEq := strings.Cut(name, "=")
		fg := f.Lookup(name)
		if fg == nil {
			return ours, args[i:], nil
		}
		ours = append(ours, a)
		if !withEq && fg.NoOptDefVal == "" {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("flag needs an argument: --%s (see layerscope build --help)", name)
			}
			i++
			ours = append(ours, args[i])
		}
	}
	return ours, nil, nil
}

// runBuild builds, then reads the image as the root command does.
func runBuild(cmd *cobra.Command, bf buildFlags, fl rootFlags, args []string) error {
	if bf.engine != "docker" && bf.engine != "podman" {
		return fmt.Errorf("unknown --engine %q (known: docker, podman)", bf.engine)
	}
	for _, a := range args {
		if a == "--iidfile" || strings.HasPrefix(a, "--iidfile=") {
			return errors.New("--iidfile is layerscope's own: leave it out of the build arguments")
		}
	}
	// A broken gate configuration is reported before a long build.
	if fl.ci || (fl.json == "" && ciFromEnv()) {
		if _, err := readGate(cmd, fl); err != nil {
			return err
		}
	}
	bin := bf.binary
	if bin == "" {
		bin = os.Getenv(EngineBinaryEnv)
	}
	if bin == "" {
		bin = bf.engine
	}
	id, err := build(cmd.Context(), bin, args, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	// Read by ID, the exact image built; named by its tag in reports.
	fl.name = firstTag(args)
	return run(cmd, bf.engine+"://"+id, fl)
}

// firstTag is the first -t/--tag of the build arguments, "" if none.
func firstTag(args []string) string {
	for i, a := range args {
		switch {
		case (a == "-t" || a == "--tag") && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--tag="):
			return strings.TrimPrefix(a, "--tag=")
		case strings.HasPrefix(a, "-t") && !strings.HasPrefix(a, "--"):
			return strings.TrimPrefix(strings.TrimPrefix(a, "-t"), "=")
		}
	}
	return ""
}

// imageID is what --iidfile holds: sha256:<hex> (Docker) or <hex> (some
// Podman versions).
var imageID = regexp.MustCompile(`^(sha256:)?[0-9a-f]{64}$`)

// build runs `BIN build --iidfile FILE ARGS…` with its output on w and
// returns the image ID it wrote. A signal that cancels ctx is passed on
// to the build, which is given 10 s to stop.
func build(ctx context.Context, bin string, args []string, w io.Writer) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("no %s command to build with: %w", bin, err)
	}
	iid, err := os.CreateTemp("", "layerscope-iid-*")
	if err != nil {
		return "", err
	}
	iid.Close()
	defer os.Remove(iid.Name())

	c := exec.CommandContext(ctx, path, append([]string{"build", "--iidfile", iid.Name()}, args...)...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, w, w
	c.Cancel = func() error {
		var sig caughtSignal
		if errors.As(context.Cause(ctx), &sig) {
			return c.Process.Signal(sig.sig)
		}
		return c.Process.Signal(syscall.SIGINT)
	}
	c.WaitDelay = 10 * time.Second
	err = c.Run()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		return "", fmt.Errorf("%s build failed: %w", bin, err)
	}
	b, err := safefile.ReadFile(iid.Name(), 1024)
	if err != nil {
		return "", fmt.Errorf("%s build wrote no image ID: %w", bin, err)
	}
	id := strings.TrimSpace(string(b))
	if !imageID.MatchString(id) {
		return "", fmt.Errorf("%s build wrote %q as the image ID, which is none", bin, id)
	}
	if !strings.HasPrefix(id, "sha256:") {
		id = "sha256:" + id
	}
	return id, nil
}
