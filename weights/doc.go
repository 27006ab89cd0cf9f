// Package weights turns a validator's float scores into the (uid, u16 weight) pairs that a
// Bittensor validator submits on chain, bit for bit as the Bittensor Python SDK does.
//
// The SDK pipeline is process_weights_for_netuid (which calls process_weights with the
// subnet's n, MinAllowedWeights and MaxWeightsLimit, and exclude_quantile 0) followed by
// convert_weights_and_uids_for_emit. [Process] reproduces the first, [Emit] the second and
// [Compute] runs both. The arithmetic follows numpy 2 exactly: float32 where the SDK holds
// float32 arrays (with numpy's pairwise summation order and NEP 50 type promotion), float64
// where it holds float64, Python's round-half-to-even, and Python's min/max/sum semantics
// for NaN. Where the SDK raises, these functions return an error instead.
//
// [MaxUpscale] is the chain side: what subtensor does with a submitted u16 vector before it
// stores it.
//
// docs/WEIGHTS.md explains the pipeline and the float32 traps in plain words.
package weights
