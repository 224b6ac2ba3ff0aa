// Command synthimage writes synthetic docker save tarballs for benchmarks:
// N layers of F files, with whiteouts, directory whiteouts and opaque
// directories in the last layer.
//
//	go run ./cmd/synthimage -layers 10 -files 20000 -o /tmp/big.tar
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/layerscope/layerscope/analysis/synth"
)

func main() {
	var s synth.Spec
	out := flag.String("o", "", "output `file` (required)")
	tag := flag.String("tag", "synth:latest", "the image's tag")
	flag.IntVar(&s.Layers, "layers", 10, "layers")
	flag.IntVar(&s.Files, "files", 20000, "files per layer")
	flag.IntVar(&s.FileSize, "size", 1000, "bytes per file")
	flag.IntVar(&s.Depth, "depth", 3, "directory levels above each file")
	flag.IntVar(&s.Whiteout, "whiteouts", 0, "files of the first layer deleted by the last")
	flag.IntVar(&s.DirWh, "dir-whiteouts", 0, "directories of the first layer deleted by the last")
	flag.IntVar(&s.Opaque, "opaque", 0, "directories of the first layer made opaque by the last")
	flag.Parse()
	if *out == "" || s.Layers < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := synth.WriteDockerArchive(*out, *tag, s); err != nil {
		fmt.Fprintln(os.Stderr, "synthimage:", err)
		os.Exit(2)
	}
}
