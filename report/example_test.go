package report_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/report"
)

// Write reads a records database (read-only) and writes DIR/index.html.
func ExampleWrite() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "report-example")
	defer os.RemoveAll(dir)

	// A database with one recorded round, as the daemon writes them (here from its stored form).
	db, _ := records.Open(ctx, filepath.Join(dir, "records.db"))
	sha, _ := db.PutModule(ctx, "quality", []byte("\x00asm\x01\x00\x00\x00"))
	var r records.Round
	json.Unmarshal([]byte(`{"netuid":1,"block":100,"validator_hotkey":"5V","scorer":"quality",
		"module_sha256":"`+sha+`","engine":"wazero","limits":{},"round_bytes":"e30=",
		"scores_bytes":"`+base64.StdEncoding.EncodeToString([]byte(`{"scores":[{"uid":1,"score":0.5},{"uid":2,"score":1}]}`))+`",
		"weights":{"uids":[1,2],"weights":[32768,65535]}}`), &r)
	db.Append(ctx, &r)
	db.Close()

	page, err := report.Write(ctx, report.Options{
		Records: filepath.Join(dir, "records.db"),
		Out:     filepath.Join(dir, "report"),
		Filter:  report.Filter{Netuid: 1, HasNetuid: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(filepath.Base(page))
	// Output: index.html
}
