// Command length-go is an example feature provider in Go: for each miner, the length in bytes
// and in words of its answer's "text" field (null when it sent no text). Build it and name the
// binary in the daemon config:
//
//	go build -o length-provider ./examples/providers/length-go
//
//	subnets:
//	  - netuid: 1
//	    providers:
//	      - name: length
//	        command: [./length-provider]
package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/subnetd/subnetd/providers"
)

type round struct {
	Miners []struct {
		UID      uint16          `json:"uid"`
		Response json.RawMessage `json:"response"`
	} `json:"miners"`
}

type feature struct {
	Bytes int `json:"bytes"`
	Words int `json:"words"`
}

// features computes the answer for one round.
func features(_ context.Context, b []byte) ([]byte, error) {
	var r round
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	out := make(map[string]*feature, len(r.Miners))
	for _, m := range r.Miners {
		var resp struct {
			Text *string `json:"text"`
		}
		if json.Unmarshal(m.Response, &resp) != nil || resp.Text == nil {
			out[strconv.Itoa(int(m.UID))] = nil
			continue
		}
		out[strconv.Itoa(int(m.UID))] = &feature{Bytes: len(*resp.Text), Words: len(strings.Fields(*resp.Text))}
	}
	return json.Marshal(map[string]any{"features": out})
}

func main() { providers.Serve(features) }
