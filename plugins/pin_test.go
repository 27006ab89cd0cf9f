package plugins

import (
	"errors"
	"strings"
	"testing"
)

func TestPin_Fields(t *testing.T) {
	p := Pin{URL: "https://example.org/scorers/quality/1.2.0/"}
	for i := range p.SHA256 {
		p.SHA256[i] = byte(i)
	}
	f, err := p.Fields()
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 2 || len(f[0]) != len(PinMagic)+32 || len(f[0]) > 128 {
		t.Fatalf("fields %q", f)
	}
	back, err := ParsePin(f)
	if err != nil || back != p {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for _, tc := range []struct {
		fields [][]byte
		want   string
	}{
		{[][]byte{f[0]}, "1 fields"},
		{[][]byte{[]byte("hello"), f[1]}, "first field"},
		{[][]byte{f[0], []byte("ftp://x/y")}, "scheme"},
		{[][]byte{f[0], []byte("https:///nohost")}, "no host"},
		{[][]byte{f[0], []byte("https://" + strings.Repeat("a", 130))}, "128"},
	} {
		if _, err := ParsePin(tc.fields); !errors.Is(err, ErrBadPin) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.fields, err, tc.want)
		}
	}
}
