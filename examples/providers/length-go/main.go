// Command length-go is an example feature provider in Go: for each miner, the length in bytes
// and in words of its text answer (the response's "answer" field when it is a string, else its
// "text" field; null when it sent no text). Build it and name the
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
		text, ok := answerText(m.Response)
		if !ok {
			out[strconv.Itoa(int(m.UID))] = nil
			continue
		}
		out[strconv.Itoa(int(m.UID))] = &feature{Bytes: len(text), Words: len(strings.Fields(text))}
	}
	return json.Marshal(map[string]any{"features": out})
}

// answerText is the miner's text answer: "answer" when it is a string, else "text".
func answerText(response json.RawMessage) (string, bool) {
	var resp struct {
		Answer json.RawMessage `json:"answer"`
		Text   *string         `json:"text"`
	}
	if json.Unmarshal(response, &resp) != nil {
		return "", false
	}
	var s string
	if len(resp.Answer) > 0 && resp.Answer[0] == '"' && json.Unmarshal(resp.Answer, &s) == nil {
		return s, true
	}
	if resp.Text != nil {
		return *resp.Text, true
	}
	return "", false
}

func main() { providers.Serve(features) }
