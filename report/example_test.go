package report_test

import (
	"context"
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

	// A database with one recorded round, as the daemon writes them.
	db, _ := records.Open(ctx, filepath.Join(dir, "records.db"))
	sha, _ := db.PutModule(ctx, "quality", []byte("\x00asm\x01\x00\x00\x00"))
	db.Append(ctx, &records.Round{Netuid: 1, Block: 100, ValidatorHotkey: "5V", Scorer: "quality",
		ModuleSHA256: sha, Engine: "wazero", Limits: json.RawMessage(`{}`), RoundBytes: []byte(`{}`),
		ScoresBytes: []byte(`{"scores":[{"uid":1,"score":0.5},{"uid":2,"score":1}]}`),
		Weights:     json.RawMessage(`{"uids":[1,2],"weights":[32768,65535]}`)})
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
