// Package fixed implements the fixed-point number types subtensor uses in its
// Yuma Consensus epoch, with the same rounding as the chain's substrate-fixed
// crate (v0.6.0):
//
//   - multiplication takes the exact double-width product and shifts it right,
//     which rounds toward minus infinity (floor);
//   - division computes (lhs << frac) / rhs with integer division, which
//     truncates toward zero;
//   - conversions to a narrower fraction or to an integer drop the low bits
//     (floor) and saturate;
//   - SafeDiv returns zero on division by zero or overflow, like the chain's
//     safe_div;
//   - Exp is substrate-fixed's 30-term Taylor series, not libm.
//
// I32F32 is the workhorse and is a plain int64 so that hot loops stay
// allocation-free. The wide types (I64F64, I96F32, U96F32) are used O(n)
// times per epoch and are backed by 128-bit two-word values.
package fixed
