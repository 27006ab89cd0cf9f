package audit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/audit"
	"github.com/subnetd/subnetd/chain"
)

// TestFetchManifest: http(s) and file URLs name the package directory; a missing file, an HTTP
// error, an oversized manifest and an unknown scheme are refused with the reason.
func TestFetchManifest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/pkg/manifest.json":
			w.Write([]byte(`{"name":"x"}`))
		case "/big/manifest.json":
			w.Write([]byte(strings.Repeat(" ", audit.MaxManifestBytes+1)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"name":"y"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		url, want, err string
	}{
		{srv.URL + "/pkg", `{"name":"x"}`, ""},
		{srv.URL + "/pkg/", `{"name":"x"}`, ""},
		{"file://" + dir, `{"name":"y"}`, ""},
		{srv.URL + "/gone", "", "404"},
		{srv.URL + "/big", "", "larger than"},
		{"file://" + filepath.Join(dir, "nothing"), "", "no such file"},
		{"ftp://example.org/pkg", "", `scheme "ftp"`},
	} {
		b, err := audit.FetchManifest(context.Background(), tt.url)
		switch {
		case tt.err == "" && (err != nil || string(b) != tt.want):
			t.Errorf("%s: %q, %v; want %q", tt.url, b, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: err %v, want it to mention %q", tt.url, err, tt.err)
		}
	}
}

// TestStored: the row the chain stores is the values max-upscaled, ordered by uid, zeros kept.
func TestStored(t *testing.T) {
	for _, tt := range []struct {
		uids, values []uint16
		want         []chain.UIDValue
	}{
		{[]uint16{2, 1}, []uint16{100, 50}, []chain.UIDValue{{UID: 1, Value: 32768}, {UID: 2, Value: 65535}}},
		{[]uint16{0, 3}, []uint16{65535, 0}, []chain.UIDValue{{UID: 0, Value: 65535}, {UID: 3, Value: 0}}},
		{[]uint16{5}, []uint16{0}, []chain.UIDValue{{UID: 5, Value: 0}}},
		{nil, nil, []chain.UIDValue{}},
	} {
		if got := audit.Stored(tt.uids, tt.values); !slices.Equal(got, tt.want) {
			t.Errorf("Stored(%v, %v) = %v, want %v", tt.uids, tt.values, got, tt.want)
		}
	}
}
