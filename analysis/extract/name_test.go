package extract

import "testing"

// validName is the last line of defence against names no file system can
// hold (the layer reader already refuses NUL, as archive/tar does).
func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{"a": true, "a b": true, "": false, ".": false, "..": false, "a\x00b": false, "a/b": false} {
		if err := validName(name); (err == nil) != ok {
			t.Errorf("validName(%q) = %v", name, err)
		}
	}
}
