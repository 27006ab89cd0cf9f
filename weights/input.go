package weights

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ErrBadInput: the input document is not valid (malformed JSON, a missing field, a value of
// the wrong kind).
var ErrBadInput = errors.New("bad weights input")

// Input is the JSON document `subnetd weights --input FILE.json` reads (pinned in
// DESIGN.md §11):
//
//	{"uids":[0,1,2],"weights":[0.5,"NaN",1e-3],"n":3,"min_allowed_weights":1,"max_weight_limit":0.1}
//
// A weight may be the string "NaN" (IEEE NaN) or "Infinity"/"-Infinity"; every other weight
// is a JSON number, read as float64 like Python's json module (a number beyond the float64
// range reads as ±Inf, as in Python). The optional "exclude_quantile" (default 0) is
// process_weights' exclude_quantile.
type Input struct {
	// UIDs are the uids, uids[i] for weights[i].
	UIDs []int64
	// Weights are the float scores.
	Weights []float64
	// Params are n, min_allowed_weights, max_weight_limit and exclude_quantile.
	Params Params
}

// inputJSON mirrors Input with pointers so that a missing field can be told from a zero.
type inputJSON struct {
	UIDs              *[]int64     `json:"uids"`
	Weights           *[]jsonFloat `json:"weights"`
	N                 *int         `json:"n"`
	MinAllowedWeights *int         `json:"min_allowed_weights"`
	MaxWeightLimit    *jsonFloat   `json:"max_weight_limit"`
	ExcludeQuantile   *int         `json:"exclude_quantile"`
}

// jsonFloat is a float64 that also accepts the strings "NaN", "Infinity" and "-Infinity",
// and reads numbers beyond the float64 range as ±Inf (as Python's json does).
type jsonFloat float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = jsonFloat(math.NaN())
		case "Infinity", "+Infinity":
			*f = jsonFloat(math.Inf(1))
		case "-Infinity":
			*f = jsonFloat(math.Inf(-1))
		default:
			return fmt.Errorf("weight %q is a string; only \"NaN\", \"Infinity\" and \"-Infinity\" are accepted", s)
		}
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		return errors.New("weight is null")
	}
	// Validate the JSON number syntax, then parse it with correct rounding; ParseFloat
	// returns ±Inf with a range error for huge values, which Python's json also gives.
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("weight %s is not a number", b)
	}
	v, err := strconv.ParseFloat(string(num), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("weight %s: %w", b, err)
	}
	*f = jsonFloat(v)
	return nil
}

// DecodeInput reads an Input document. Every field but "exclude_quantile" is required;
// unknown fields are ignored.
func DecodeInput(r io.Reader) (Input, error) {
	var raw inputJSON
	dec := json.NewDecoder(r)
	if err := dec.Decode(&raw); err != nil {
		return Input{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if dec.More() {
		return Input{}, fmt.Errorf("%w: trailing data after the JSON object", ErrBadInput)
	}
	var missing []string
	if raw.UIDs == nil {
		missing = append(missing, "uids")
	}
	if raw.Weights == nil {
		missing = append(missing, "weights")
	}
	if raw.N == nil {
		missing = append(missing, "n")
	}
	if raw.MinAllowedWeights == nil {
		missing = append(missing, "min_allowed_weights")
	}
	if raw.MaxWeightLimit == nil {
		missing = append(missing, "max_weight_limit")
	}
	if len(missing) > 0 {
		return Input{}, fmt.Errorf("%w: missing field(s) %v", ErrBadInput, missing)
	}
	in := Input{
		UIDs:    *raw.UIDs,
		Weights: make([]float64, len(*raw.Weights)),
		Params: Params{
			NumNeurons:        *raw.N,
			MinAllowedWeights: *raw.MinAllowedWeights,
			MaxWeightLimit:    float64(*raw.MaxWeightLimit),
		},
	}
	if in.UIDs == nil {
		in.UIDs = []int64{}
	}
	for i, w := range *raw.Weights {
		in.Weights[i] = float64(w)
	}
	if raw.ExcludeQuantile != nil {
		in.Params.ExcludeQuantile = *raw.ExcludeQuantile
	}
	return in, nil
}

// Run computes what the SDK would emit for this input; it is what `subnetd weights` runs.
func (in Input) Run() (Emitted, error) {
	return Compute(in.UIDs, in.Weights, in.Params)
}
