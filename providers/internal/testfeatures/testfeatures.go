// Package testfeatures is the feature function of the providers package's test provider, kept
// importable so that benchmarks can time the same work in-process as the provider's own time.
package testfeatures

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Echo answers, for every miner of the Round, {"len": <bytes of its response JSON>}.
func Echo(round []byte) ([]byte, error) {
	var r struct {
		Miners []struct {
			UID      uint16          `json:"uid"`
			Response json.RawMessage `json:"response"`
		} `json:"miners"`
	}
	if err := json.Unmarshal(round, &r); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(`{"features":{`)
	for i, m := range r.Miners {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%d":{"len":%d}`, m.UID, len(m.Response))
	}
	b.WriteString(`}}`)
	return []byte(b.String()), nil
}
