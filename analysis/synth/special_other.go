//go:build !unix

package synth

import "errors"

// NotRegularKinds are the kinds NotRegular makes (none here).
var NotRegularKinds []string

// NotRegular needs FIFOs, which this system's tests do not make.
func NotRegular(p, kind string) error { return errors.ErrUnsupported }
