// Package yuma is a native, bit-exact re-implementation of the Yuma
// Consensus epoch that subtensor runs every tempo (the sparse
// epoch_mechanism of subtensor 14bc6f9f, June 2026).
//
// Epoch takes an Input (per-uid stake, registration and update blocks,
// previous validator permits, stored weights and bonds rows, and the
// subnet's hyperparameters as raw chain values) and returns an Output with
// exactly what the chain computes and stores: consensus, incentive,
// dividends, validator trust and stake weight as u16, emission in rao, the
// new validator permits and the new bond rows.
//
// Every step uses the chain's fixed-point arithmetic (package yuma/fixed):
// I32F32 with floor on multiply and truncation on divide, I64F64 stake,
// I96F32 rao conversion, substrate-fixed's 30-term exp for liquid alpha,
// and the deterministic middle-pivot weighted median. Both bond models are
// supported: the original EMA (column max-upscaled storage) and Yuma3 with
// liquid alpha (bonds stored as proportions; bonds on columns a validator no
// longer weights are dropped).
//
// Nothing in the package reads the clock, randomness or map order. Large
// subnets use up to 8 goroutines (each owning whole rows or columns, with
// exact recombination of column sums), and results never depend on the
// number of goroutines or on scheduling. See docs/YUMA.md.
package yuma
