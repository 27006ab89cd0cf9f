package weights_test

import (
	"fmt"
	"math"

	"github.com/subnetd/subnetd/weights"
)

// A subnet with 4 uids, MaxWeightsLimit 26214 (0.4) and no minimum: the 7 is capped so that
// no uid gets more than 40 %, and the weights are scaled so the largest is 65535.
func ExampleCompute() {
	params := weights.Params{
		NumNeurons:        4,
		MinAllowedWeights: 0,
		MaxWeightLimit:    weights.LimitFromU16(26214),
	}
	out, err := weights.Compute([]int64{0, 1, 2, 3}, []float64{1, 1, 1, 7}, params)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(out.UIDs, out.Weights)
	// Output: [0 1 2 3] [32768 32768 32768 65535]
}

// A NaN or negative score counts as "not > 0": it is dropped like a zero.
func ExampleCompute_nan() {
	params := weights.Params{NumNeurons: 4, MaxWeightLimit: 1}
	out, _ := weights.Compute([]int64{0, 1, 2, 3}, []float64{0.5, math.NaN(), 0.25, -1}, params)
	fmt.Println(out.UIDs, out.Weights)
	// Output: [0 2] [65535 32768]
}

// What the chain stores after set_weights: the values max-upscaled so the largest is 65535.
func ExampleMaxUpscale() {
	fmt.Println(weights.MaxUpscale([]uint16{1, 2, 3}))
	// Output: [21845 43690 65535]
}
