package weights

import (
	"errors"
	"fmt"
	"math"
)

// U16Max is the chain's weight scale: an emitted weight of U16Max is the row's maximum.
const U16Max = 65535

// MaxNeurons is the most uids a subnet can have (uids are u16). Process refuses to build an
// n-long vector for a larger n.
const MaxNeurons = 1 << 16

// The SDK raises in these situations; Process, Emit and Compute return an error wrapping one
// of these sentinels instead. Errors that the SDK does not raise are marked.
var (
	// ErrNothingToEmit: the processed vector is empty (the SDK's min() of an empty list
	// raises). It happens with n = 0, or when every entry was filtered out (a +Inf score).
	ErrNothingToEmit = errors.New("no weights to emit")
	// ErrNegativeWeight: a processed weight is negative.
	ErrNegativeWeight = errors.New("negative weight cannot exist on chain")
	// ErrNegativeUID: a uid with a positive weight is negative.
	ErrNegativeUID = errors.New("negative uid cannot exist on chain")
	// ErrLengthMismatch: uids and weights differ in length where the SDK needs them equal.
	ErrLengthMismatch = errors.New("uids and weights differ in length")
	// ErrNotFinite: a weight is NaN or infinite when it is rounded to u16 (Python's round
	// raises on it).
	ErrNotFinite = errors.New("weight is not finite")
	// ErrIndex: a position falls outside the uids or the n-long vector (numpy's IndexError).
	ErrIndex = errors.New("index out of range")
	// ErrInvalidParams: NumNeurons negative where the SDK allocates n entries, or the
	// exclude quantile outside [0, 1] (numpy raises ValueError).
	ErrInvalidParams = errors.New("invalid parameters")
	// ErrUIDRange: an emitted uid does not fit the chain's u16 uid type. The SDK does not
	// check this here; its extrinsic encoding fails later.
	ErrUIDRange = errors.New("uid does not fit in u16")
)

// Params are the subnet values process_weights_for_netuid reads before it calls
// process_weights.
type Params struct {
	// NumNeurons is metagraph.n, the number of uids on the subnet.
	NumNeurons int
	// MinAllowedWeights is the subnet's MinAllowedWeights (a count).
	MinAllowedWeights int
	// MaxWeightLimit is the subnet's MaxWeightsLimit as a fraction: the u16 storage value
	// divided by 65535 (see LimitFromU16).
	MaxWeightLimit float64
	// ExcludeQuantile drops entries below this quantile (in 1/65535 units) of the positive
	// weights, keeping at least MinAllowedWeights of them. process_weights_for_netuid passes
	// 0, which drops nothing.
	ExcludeQuantile int
}

// LimitFromU16 converts the chain's u16 MaxWeightsLimit to the float fraction the SDK uses
// (subtensor.max_weight_limit: value / 65535).
func LimitFromU16(v uint16) float64 {
	return float64(v) / U16Max
}

// Processed is what process_weights returns: uids and float weights that sum to about 1.
type Processed struct {
	// UIDs are the uids the weights belong to, in the SDK's order.
	UIDs []int64
	// Weights are the normalised weights. In the SDK's main path they are float32 values
	// (stored exactly in float64); in the "fewer than min_allowed_weights" and uniform
	// paths they are float64.
	Weights []float64
}

// Emitted is what convert_weights_and_uids_for_emit returns: the vectors set_weights sends.
type Emitted struct {
	// UIDs are the destination uids, in input order, without the entries whose weight
	// rounded to 0.
	UIDs []uint16 `json:"uids"`
	// Weights are the max-upscaled u16 weights (the largest is 65535).
	Weights []uint16 `json:"weights"`
}

// Compute runs the SDK's whole pipeline, process_weights followed by
// convert_weights_and_uids_for_emit: scores[i] is the score of uids[i].
func Compute(uids []int64, scores []float64, p Params) (Emitted, error) {
	pr, err := Process(uids, scores, p)
	if err != nil {
		return Emitted{}, err
	}
	em, err := Emit(pr.UIDs, pr.Weights)
	if err != nil && len(pr.Weights) == 0 {
		return Emitted{}, fmt.Errorf("emit: %w (n is 0, or every positive score was filtered out, as +Inf scores are)", err)
	}
	if err != nil {
		return Emitted{}, fmt.Errorf("emit: %w", err)
	}
	return em, nil
}

// Process is the SDK's process_weights (what process_weights_for_netuid runs): scores[i] is
// the score of uids[i]; scores are cast to float32 first, like the SDK's astype(np.float32).
//
// Three paths, as in the SDK:
//   - no score > 0 (zeros, negatives and NaN all count as "not > 0"), or NumNeurons <
//     MinAllowedWeights: uids 0..n-1, each with weight 1/n (float64);
//   - fewer scores > 0 than MinAllowedWeights: an n-long float64 vector of 1e-5 with each
//     positive score added at its position i (not at uids[i]), capped by normalizeMaxWeight;
//     uids 0..n-1;
//   - otherwise: the positive float32 scores and their uids in input order, the exclude
//     quantile applied, capped by normalizeMaxWeight in float32.
func Process(uids []int64, scores []float64, p Params) (Processed, error) {
	w := make([]float32, len(scores))
	pos := make([]int, 0, len(scores)) // positions of the entries > 0
	for i, s := range scores {
		w[i] = toFloat32(s)
		if w[i] > 0 {
			pos = append(pos, i)
		}
	}
	n := p.NumNeurons
	// The two paths below return uids 0..n-1; beyond MaxNeurons they could not be emitted
	// anyway (ErrUIDRange), so refuse before allocating n entries.
	tooMany := func() error {
		return fmt.Errorf("%w: n = %d exceeds the %d uids a subnet can have", ErrUIDRange, n, MaxNeurons)
	}

	if len(pos) == 0 || n < p.MinAllowedWeights {
		if n < 0 {
			return Processed{}, fmt.Errorf("%w: n = %d is negative", ErrInvalidParams, n)
		}
		if n > MaxNeurons {
			return Processed{}, tooMany()
		}
		out := Processed{UIDs: arange(n), Weights: make([]float64, n)}
		for i := range out.Weights {
			out.Weights[i] = 1 / float64(n)
		}
		return out, nil
	}

	if len(pos) < p.MinAllowedWeights {
		if n > MaxNeurons {
			return Processed{}, tooMany()
		}
		filled := make([]float64, n)
		for i := range filled {
			filled[i] = 1e-5
		}
		for _, i := range pos {
			if i >= n {
				return Processed{}, fmt.Errorf("%w: score position %d but n = %d", ErrIndex, i, n)
			}
			filled[i] += float64(w[i])
		}
		return Processed{UIDs: arange(n), Weights: widen(normalizeMaxWeight(filled, p.MaxWeightLimit))}, nil
	}

	nzUIDs := make([]int64, len(pos))
	nz := make([]float32, len(pos))
	for k, i := range pos {
		if i >= len(uids) {
			return Processed{}, fmt.Errorf("%w: score position %d but only %d uids", ErrIndex, i, len(uids))
		}
		nzUIDs[k] = uids[i]
		nz[k] = w[i]
	}

	// Exclude the lowest quantile. max_exclude keeps at least MinAllowedWeights entries.
	quantile := float64(p.ExcludeQuantile) / U16Max
	maxExclude := float64(max(0, len(nz)-p.MinAllowedWeights)) / float64(len(nz))
	q := quantile
	if maxExclude < q { // Python min([quantile, max_exclude]) keeps the first on ties
		q = maxExclude
	}
	if q32 := toFloat32(q); !(q32 >= 0 && q32 <= 1) {
		return Processed{}, fmt.Errorf("%w: exclude quantile %d gives q = %v outside [0, 1]", ErrInvalidParams, p.ExcludeQuantile, q)
	}
	lowest := npQuantileLinear(nz, q)
	keptUIDs := nzUIDs[:0:0]
	kept := nz[:0:0]
	for k, v := range nz {
		if lowest <= v { // false for every entry when the quantile is NaN
			keptUIDs = append(keptUIDs, nzUIDs[k])
			kept = append(kept, v)
		}
	}
	return Processed{UIDs: keptUIDs, Weights: widen(normalizeMaxWeight(kept, p.MaxWeightLimit))}, nil
}

// normalizeMaxWeight is the SDK's normalize_max_weight(x, limit): scale x to sum 1 and cap
// every entry at about limit, in the precision of x (float32 or float64), with numpy 2's
// promotion rules where a Python scalar or a float64 value meets the array.
func normalizeMaxWeight[T float](x []T, limit float64) []T {
	n := len(x)
	eps := fromFloat64[T](1e-7) // Python float 1e-7 meets a T array: cast to T
	lim := fromFloat64[T](limit)
	w := make([]T, n)
	copy(w, x)

	// Uniform when the sum is 0 or the cap cannot be met (n*limit <= 1, Python floats).
	if npSum(x) == 0 || float64(n)*limit <= 1 {
		for i := range w {
			w[i] = T(1) / T(n)
		}
		return w
	}

	values := npSort(w)
	valuesSum := npSum(values)
	est := make([]T, n)
	for i, v := range values {
		est[i] = v / valuesSum
	}
	if npMax(est) <= lim {
		s := npSum(w)
		for i := range w {
			w[i] /= s
		}
		return w
	}

	cumsum := npCumsum(est)
	// n_values counts (it is a sum of booleans, not a first index) the entries with
	// est[i] / ((n-i-1)*est[i] + cumsum[i] + eps) < limit, all in T.
	nValues := 0
	for i := range est {
		estSum := T(T(n-i-1) * est[i])
		if est[i]/((estSum+cumsum[i])+eps) < lim {
			nValues++
		}
	}
	// cumsum[n_values-1] is a Python index: -1 means the last entry.
	at := nValues - 1
	if at < 0 {
		at += n
	}
	// The numerator is T; n_values is np.int64, so the denominator is float64 and the
	// quotient, and the cutoff, are float64.
	num := T(lim*cumsum[at]) - eps
	den := 1 - float64(limit*float64(n-nValues))
	cutoff := float64(num) / den * float64(valuesSum)
	capped := fromFloat64[T](cutoff)
	for i, v := range w {
		if float64(v) > cutoff {
			w[i] = capped
		}
	}
	s := npSum(w)
	for i := range w {
		w[i] /= s
	}
	return w
}

// Emit is the SDK's convert_weights_and_uids_for_emit: max-upscale the weights so the
// largest is 1, multiply by 65535, round half to even, and drop the entries that round to
// 0 together with their uids. An all-zero vector gives empty lists (nothing to set).
func Emit(uids []int64, weights []float64) (Emitted, error) {
	if len(weights) == 0 {
		return Emitted{}, fmt.Errorf("%w: the weight list is empty", ErrNothingToEmit)
	}
	if m := pyMinFloat(weights); m < 0 {
		return Emitted{}, fmt.Errorf("%w: %v", ErrNegativeWeight, m)
	}
	if len(uids) == 0 {
		return Emitted{}, fmt.Errorf("%w: the uid list is empty", ErrNothingToEmit)
	}
	for _, u := range uids {
		if u < 0 {
			return Emitted{}, fmt.Errorf("%w: uid %d", ErrNegativeUID, u)
		}
	}
	if len(uids) != len(weights) {
		return Emitted{}, fmt.Errorf("%w: %d uids and %d weights", ErrLengthMismatch, len(uids), len(weights))
	}
	out := Emitted{UIDs: []uint16{}, Weights: []uint16{}}
	if pySumFloat(weights) == 0 {
		return out, nil
	}
	maxW := pyMaxFloat(weights)
	for i, v := range weights {
		x := v / maxW * U16Max
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Emitted{}, fmt.Errorf("%w: weight %v of uid %d scales to %v", ErrNotFinite, v, uids[i], x)
		}
		r := math.RoundToEven(x)
		if r == 0 {
			continue
		}
		if r < 0 || r > U16Max {
			// Unreachable when maxW is the maximum; kept so that no value wraps silently.
			return Emitted{}, fmt.Errorf("%w: weight %v of uid %d scales to %v", ErrNotFinite, v, uids[i], r)
		}
		if uids[i] > math.MaxUint16 {
			return Emitted{}, fmt.Errorf("%w: uid %d", ErrUIDRange, uids[i])
		}
		out.UIDs = append(out.UIDs, uint16(uids[i]))
		out.Weights = append(out.Weights, uint16(r))
	}
	return out, nil
}

// arange is np.arange(n) as uids.
func arange(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i)
	}
	return out
}

// widen returns float32 or float64 values as float64, exactly (like ndarray.tolist()).
func widen[T float](x []T) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
