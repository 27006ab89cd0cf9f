package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/records"
)

// reportExec runs `subnetd report ARGS…` in process through the real root command.
func reportExec(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"report"}, args...))
	err = root.Execute()
	return out.String(), err
}

// reportTestDB records three rounds on subnet 2 (the second one's scorer failed).
func reportTestDB(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "records.db")
	db, err := records.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sha, err := db.PutModule(ctx, "latency", []byte("\x00asm\x01\x00\x00\x00"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		// Built from the stored form, so the test does not depend on how records types documents.
		doc := map[string]any{"netuid": 2, "block": 100 + 10*i, "validator_hotkey": "5V", "scorer": "latency",
			"scorer_version": "0.1.0", "module_sha256": sha, "engine": "wazero", "limits": map[string]any{},
			"round_bytes": []byte(`{"abi":1}`), "gas_used": 500 + i, "started_ms": 0, "finished_ms": 30}
		if i == 1 {
			doc["error"] = "score: trap"
		} else {
			doc["scores_bytes"] = []byte(`{"scores":[{"uid":1,"score":0.25},{"uid":2,"score":0.75}]}`)
			doc["weights"] = json.RawMessage(`{"uids":[1,2],"weights":[21845,65535]}`)
			doc["preview"] = json.RawMessage(`{"block":100,"validator_trust":0.5,"dividends":0.125,"incentive":[{"uid":1,"value":0.25},{"uid":2,"value":0.75}]}`)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var r records.Round
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if err := db.Append(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestReportCmd(t *testing.T) {
	dir := t.TempDir()
	db := reportTestDB(t, dir)
	empty := filepath.Join(dir, "empty.db")
	e, err := records.Open(context.Background(), empty)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"all", []string{"--records", db, "--out", filepath.Join(dir, "all")}, ""},
		{"subnet and blocks", []string{"--records", db, "--out", filepath.Join(dir, "sn2"), "--netuid", "2", "--from", "105", "--to", "120"}, ""},
		{"no records flag", []string{"--out", dir}, "--records PATH is required"},
		{"no out flag", []string{"--records", db}, "--out DIR is required"},
		{"missing database", []string{"--records", filepath.Join(dir, "nope.db"), "--out", dir}, "no such file"},
		{"empty database", []string{"--records", empty, "--out", dir}, "no rounds recorded"},
		{"other subnet", []string{"--records", db, "--out", dir, "--netuid", "9"}, "none on the selected subnet"},
		{"bad range", []string{"--records", db, "--out", dir, "--from", "50", "--to", "10"}, "below --from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := reportExec(t, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			page := strings.TrimSpace(out)
			if filepath.Base(page) != "index.html" {
				t.Fatalf("stdout %q is not the page's path", out)
			}
			b, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			html := string(b)
			for _, want := range []string{"Subnet 2", `data-k="scorer_error">1<`, `data-k="vtrust">0.5<`, `data-k="dividends">0.125<`, "<svg"} {
				if !strings.Contains(html, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}

func TestReportCmd_Help(t *testing.T) {
	out, err := reportExec(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--records", "--out", "--netuid", "--from", "--to", "read-only", "downsampled", "Example"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
