// Command is the WASI command scorer of the runtime's tests: a plain Go program (GOOS=wasip1)
// whose behaviour is chosen by the file "mode" in its files directory, so one build serves
// every case and modules differing only in their files share compiled code.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

func main() {
	dir := os.Getenv("SCORER_DIR")
	if dir == "" {
		dir = "/scorer"
	}
	mode, err := os.ReadFile(dir + "/mode")
	if err != nil {
		fmt.Fprintln(os.Stderr, "read mode:", err)
		os.Exit(4)
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "read stdin:", err)
		os.Exit(5)
	}
	call := os.Args[len(os.Args)-1]
	if os.Getenv("SUBNETD_CALL") != call || os.Getenv("SUBNETD_ABI") != "1" {
		fmt.Fprintln(os.Stderr, "bad call:", os.Args, os.Environ())
		os.Exit(6)
	}
	switch m := strings.TrimSpace(string(mode)); m {
	case "score":
		score(in, dir)
	case "echo-env": // prints its argv and environment as the output
		json.NewEncoder(os.Stdout).Encode(map[string]any{"args": os.Args, "env": os.Environ()})
	case "challenge":
		if call == "challenge" {
			fmt.Print(`{"synapse":"Ping","body":{"n":1}}`)
			return
		}
		score(in, dir)
	case "loop":
		for i := 0; ; i++ {
			if i < 0 {
				break
			}
		}
	case "exit3":
		fmt.Fprintln(os.Stderr, "something went wrong")
		fmt.Fprintln(os.Stderr, "ValueError: bad")
		os.Exit(3)
	case "flood":
		b := make([]byte, 1<<20)
		for {
			os.Stdout.Write(b)
		}
	case "stderr-flood":
		for i := 0; i < 3000; i++ {
			fmt.Fprintf(os.Stderr, "line %d %s\n", i, strings.Repeat("x", 3000))
		}
		fmt.Fprintln(os.Stderr, "last words")
		os.Exit(1)
	case "escape": // every way out of the directory must fail inside the guest
		var got []string
		for _, p := range []string{"/etc/passwd", dir + "/../etc/passwd", dir + "/../../../../etc/passwd", "/", "/tmp"} {
			if _, err := os.ReadFile(p); err == nil {
				got = append(got, "read "+p)
			}
		}
		if err := os.WriteFile(dir+"/new", []byte("x"), 0o644); err == nil {
			got = append(got, "created "+dir+"/new")
		}
		if f, err := os.OpenFile(dir+"/mode", os.O_WRONLY, 0); err == nil {
			f.Close()
			got = append(got, "opened mode for writing")
		}
		if err := os.Remove(dir + "/mode"); err == nil {
			got = append(got, "removed mode")
		}
		if c, err := net.Dial("tcp", "127.0.0.1:80"); err == nil {
			c.Close()
			got = append(got, "dialed")
		}
		if len(got) > 0 {
			fmt.Fprintln(os.Stderr, "escaped:", got)
			os.Exit(7)
		}
		score(in, dir)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", m)
		os.Exit(8)
	}
}

// score gives each miner weight[i % len] from the file "weights" (default 1), listing the
// directory first to exercise fd_readdir.
func score(in []byte, dir string) {
	var round struct {
		Miners []struct {
			UID uint16 `json:"uid"`
		} `json:"miners"`
	}
	if err := json.Unmarshal(in, &round); err != nil {
		fmt.Fprintln(os.Stderr, "decode round:", err)
		os.Exit(9)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "readdir:", err)
		os.Exit(10)
	}
	weights := []float64{1}
	for _, e := range ents {
		if e.Name() == "weights.json" {
			b, err := os.ReadFile(dir + "/weights.json")
			if err != nil || json.Unmarshal(b, &weights) != nil || len(weights) == 0 {
				fmt.Fprintln(os.Stderr, "weights.json:", err)
				os.Exit(11)
			}
		}
	}
	type score struct {
		UID   uint16  `json:"uid"`
		Score float64 `json:"score"`
	}
	out := struct {
		Scores []score `json:"scores"`
	}{Scores: []score{}}
	for i, m := range round.Miners {
		out.Scores = append(out.Scores, score{m.UID, weights[i%len(weights)]})
	}
	fmt.Fprintln(os.Stderr, "scored", len(out.Scores), "miners")
	json.NewEncoder(os.Stdout).Encode(out)
}
