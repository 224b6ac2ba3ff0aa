//go:build !unix

package synth

import "errors"

// NotRegular needs FIFOs, which this system's tests do not make.
func NotRegular(p, kind string) error { return errors.ErrUnsupported }
