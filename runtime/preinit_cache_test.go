package runtime

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/subnetd/subnetd/runtime/internal/snapshot"
)

// TestStorePreinit_image: an image written to the disk cache reads back the same, and every
// damaged or truncated file reads as no verdict (so the start-up is run again).
func TestStorePreinit_image(t *testing.T) {
	img := &memImage{
		pages:   2,
		runs:    []snapshot.Run{{Offset: 16, Bytes: []byte("hello")}, {Offset: 70000, Bytes: []byte{1, 2, 3}}},
		globals: []string{snapshot.GlobalPrefix + "0", snapshot.GlobalPrefix + "3"},
		values:  []uint64{7, 1 << 63},
	}
	pre := &preinit{gas: 123456, mono: 789}
	path := filepath.Join(t.TempDir(), "x.bin")
	code := []byte("\x00asm\x01\x00\x00\x00")
	storePreinit(path, nil, img, code, pre, "")
	v := loadPreinit(path)
	if !v.found || v.snap != nil || *v.pre != *pre || !bytes.Equal(v.code, code) || v.img.pages != img.pages ||
		!reflect.DeepEqual(v.img.globals, img.globals) || !reflect.DeepEqual(v.img.values, img.values) || len(v.img.runs) != 2 ||
		v.img.runs[1].Offset != 70000 || !bytes.Equal(v.img.runs[0].Bytes, []byte("hello")) {
		t.Fatalf("read back %+v (pre %+v)", v.img, v.pre)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	body := encodeImage(img)
	outside := *img
	outside.runs = []snapshot.Run{{Offset: 2*65536 - 2, Bytes: []byte{1, 2, 3}}} // past the pages
	for name, b := range map[string][]byte{
		"flipped byte": append(good[:len(good)-1:len(good)-1], good[len(good)-1]^1),
		"truncated":    good[:len(good)-3],
		"empty":        nil,
	} {
		os.WriteFile(path, b, 0o600)
		if v := loadPreinit(path); v.found {
			t.Errorf("%s: read as a verdict", name)
		}
	}
	for name, b := range map[string][]byte{
		"short body":   body[:len(body)-1],
		"trailing":     append(append([]byte(nil), body...), 0),
		"run past end": encodeImage(&outside),
	} {
		if _, ok := decodeImage(b); ok {
			t.Errorf("%s: decoded", name)
		}
	}
}
