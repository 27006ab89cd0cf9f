package records

import (
	"bytes"
	"testing"
)

// FuzzRead: any input either parses or is refused with an error; never a panic.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"format":"subnetd-records","version":1}` + "\n" + `{"round":{"id":1,"round_bytes":"e30="}}` + "\n"))
	f.Add([]byte(`{"format":"subnetd-records","version":1}` + "\n" + `{"module":{"sha256":"x","wasm":"AA=="}}`))
	f.Add([]byte("\n\n{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		set, err := Read(bytes.NewReader(b))
		if err == nil && set == nil {
			t.Fatal("nil set without error")
		}
	})
}
