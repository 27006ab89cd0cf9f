package records_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
)

// Record a round, export the records for an auditor and read the export back.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "records-example")
	defer os.RemoveAll(dir)

	db, err := records.Open(ctx, filepath.Join(dir, "records.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	sha, _ := db.PutModule(ctx, "demo", []byte("\x00asm\x01\x00\x00\x00"))
	r := &records.Round{Netuid: 1, Block: 100, ValidatorHotkey: "5F…", Scorer: "demo", ModuleSHA256: sha,
		RoundBytes: []byte(`{"abi":1}`), ScoresBytes: []byte(`{"scores":[]}`)}
	if err := db.Append(ctx, r); err != nil {
		fmt.Println(err)
		return
	}
	export := filepath.Join(dir, "records.jsonl")
	if err := db.ExportFile(ctx, export); err != nil {
		fmt.Println(err)
		return
	}
	set, err := records.ReadFile(export)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.ID, len(set.Rounds), len(set.Modules), set.Rounds[0].Check() == nil)
	// Output: 1 1 1 true
}

// Name the sentinel a round's error wraps, as a record stores it for replay to compare.
func ExampleErrorCode() {
	err := fmt.Errorf("score: %w", &runtime.GasError{Used: 300013, Limit: 300000})
	fmt.Println(records.ErrorCode(err))
	// Output: ErrOutOfGas
}
