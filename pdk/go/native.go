//go:build !wasip1

package pdk

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
)

// Log writes one line to stderr when the scorer runs natively.
func Log(level int, msg string) {
	fmt.Fprintf(os.Stderr, "scorer log level=%d: %s\n", level, msg)
}

// Main serves the native build of a scorer, for `subnetd plugin bench` and for tests:
//
//	scorer score --round ROUND.json          prints the Scores JSON
//	scorer bench --round ROUND.json [--min-time 1s]
//	                                          prints {"iterations":N,"ns_per_call":T}
//
// A native build is for measuring only: validators always run the Wasm build, which is
// deterministic where native Go is not (math.Exp uses FMA on some CPUs).
func Main() {
	if err := runMain(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "scorer:", err)
		os.Exit(1)
	}
}

func runMain(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: scorer score|bench --round FILE [--min-time D]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	roundPath := fs.String("round", "", "Round JSON file")
	minTime := fs.Duration("min-time", time.Second, "minimum measuring time (bench)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	round, err := os.ReadFile(*roundPath)
	if err != nil {
		return err
	}
	switch args[0] {
	case "score":
		out, err := ScoreJSON(registered, round)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(append(out, '\n'))
		return err
	case "bench":
		res, err := Bench(registered, round, *minTime)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(res)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// BenchResult is what Bench measured.
type BenchResult struct {
	// Iterations is how many calls were timed.
	Iterations int `json:"iterations"`
	// NsPerCall is the mean wall time of one ScoreJSON call.
	NsPerCall float64 `json:"ns_per_call"`
	// CPUNsPerCall is the mean CPU time of the process (all threads) per call, steadier than
	// NsPerCall on a machine shared with other work; 0 where the system cannot say.
	CPUNsPerCall float64 `json:"cpu_ns_per_call,omitempty"`
}

// Bench times ScoreJSON(s, round) natively for at least minTime after one warm-up call.
func Bench(s Scorer, round []byte, minTime time.Duration) (BenchResult, error) {
	if _, err := ScoreJSON(s, round); err != nil {
		return BenchResult{}, err
	}
	n := 0
	start, cpu := time.Now(), processCPU()
	for {
		if _, err := ScoreJSON(s, round); err != nil {
			return BenchResult{}, err
		}
		n++
		if el := time.Since(start); el >= minTime && n >= 3 {
			res := BenchResult{Iterations: n, NsPerCall: float64(el.Nanoseconds()) / float64(n)}
			if cpu > 0 {
				res.CPUNsPerCall = float64(processCPU()-cpu) / float64(n)
			}
			return res, nil
		}
	}
}
