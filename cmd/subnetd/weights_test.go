package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/internal/testvectors"
)

// weightsExec runs `subnetd weights ARGS…` in process through the real root command.
func weightsExec(t *testing.T, stdin string, args ...string) (stdout string, err error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"weights"}, args...))
	err = root.Execute()
	return out.String(), err
}

func weightsWriteFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWeightsCmd(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		stdin   bool
		want    string
		wantErr string
	}{
		{name: "cap", doc: `{"uids":[0,1,2,3],"weights":[1,1,1,7],"n":4,"min_allowed_weights":0,"max_weight_limit":0.4}`,
			want: `{"uids":[0,1,2,3],"weights":[32768,32768,32768,65535]}` + "\n"},
		{name: "stdin_and_nan", stdin: true, doc: `{"uids":[0,1,2,3],"weights":[0.5,"NaN",0.25,"NaN"],"n":4,"min_allowed_weights":0,"max_weight_limit":1.0}`,
			want: `{"uids":[0,2],"weights":[65535,32768]}` + "\n"},
		{name: "empty_lists_not_null", doc: `{"uids":[0,1,2,3],"weights":[1e38,1e38,1e38,1e38],"n":4,"min_allowed_weights":0,"max_weight_limit":1.0}`,
			want: `{"uids":[],"weights":[]}` + "\n"},
		{name: "sdk_raises_on_inf", doc: `{"uids":[0,1],"weights":[1e39,1e39],"n":2,"min_allowed_weights":0,"max_weight_limit":1.0}`,
			wantErr: "the SDK would raise"},
		{name: "sdk_raises_on_n0", doc: `{"uids":[],"weights":[],"n":0,"min_allowed_weights":0,"max_weight_limit":0.1}`,
			wantErr: "no weights to emit"},
		{name: "missing_field", doc: `{"uids":[0],"weights":[1],"n":1}`, wantErr: "missing field"},
		{name: "not_json", doc: `uids: [0]`, wantErr: "bad weights input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out string
			var err error
			if tt.stdin {
				out, err = weightsExec(t, tt.doc, "--input", "-")
			} else {
				out, err = weightsExec(t, "", "--input", weightsWriteFile(t, tt.doc))
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				if strings.Contains(oneLine(err), "\n") || out != "" {
					t.Errorf("want a one-line error and no stdout, got %q / %q", oneLine(err), out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Errorf("stdout = %q, want %q", out, tt.want)
			}
		})
	}
}

func TestWeightsCmd_Flags(t *testing.T) {
	if _, err := weightsExec(t, ""); err == nil || !strings.Contains(err.Error(), "input") {
		t.Errorf("without --input: err = %v, want a required-flag error", err)
	}
	missing := filepath.Join(t.TempDir(), "nope.json")
	if _, err := weightsExec(t, "", "--input", missing); err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("missing file: err = %v, want one naming the file", err)
	}
	if _, err := weightsExec(t, "", "--input", "x.json", "extra"); err == nil {
		t.Error("a positional argument was accepted")
	}
	help, err := weightsExec(t, "", "--help")
	if err != nil || !strings.Contains(help, "max_weight_limit") || !strings.Contains(help, `"NaN"`) {
		t.Errorf("--help does not explain the input format (err %v):\n%s", err, help)
	}
}

// TestWeightsCmd_SDKCases runs the SDK's own cases through the command.
func TestWeightsCmd_SDKCases(t *testing.T) {
	raw, err := os.ReadFile(testvectors.Path(t, "weights/cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Name          string          `json:"name"`
			Input         json.RawMessage `json:"input"`
			Expected      json.RawMessage `json:"expected"`
			ExpectedError json.RawMessage `json:"expected_error"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			out, err := weightsExec(t, string(c.Input), "--input", "-")
			if c.ExpectedError != nil {
				if err == nil {
					t.Fatalf("got %s, want a non-zero exit", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := json.Compact(&want, c.Expected); err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(out) != want.String() {
				t.Errorf("stdout %.200s…\nwant   %.200s…", out, want.String())
			}
		})
	}
}
