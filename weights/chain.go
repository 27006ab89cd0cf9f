package weights

// MaxUpscale is subtensor's vec_u16_max_upscale_to_u16, which set_weights (and a reveal)
// applies to the submitted values before storing them: the largest value becomes 65535 and
// every other value e becomes round(e * 65535 / max), computed in I32F32 fixed point
// (64-bit, 32 fractional bits; multiplication floors, division truncates, round() takes
// ties away from zero).
//
// When max > 32768 the chain first computes the ratio 65535/max (truncated to 32
// fractional bits) and multiplies; otherwise it multiplies first and divides, which keeps
// e*65535 within I32F32's range. An all-zero vector stays all zero; an empty one stays
// empty. An SDK-emitted vector (max 65535) comes back unchanged.
func MaxUpscale(values []uint16) []uint16 {
	out := make([]uint16, len(values))
	var maxV uint16
	for _, v := range values {
		maxV = max(maxV, v)
	}
	if maxV == 0 {
		return out // e * 65535 of a zero vector
	}
	const frac = 32
	m := uint64(maxV)
	if maxV > 32768 {
		// ratio bits = (65535<<32 << 32) / (max<<32) = floor(65535 * 2^32 / max)
		ratio := (uint64(U16Max) << frac) / m
		for i, e := range values {
			out[i] = roundFixedToU16(uint64(e) * ratio)
		}
		return out
	}
	for i, e := range values {
		// (e*65535) in I32F32, divided by max: bits = floor((e*65535 << 32) / max)
		out[i] = roundFixedToU16((uint64(e) * U16Max << frac) / m)
	}
	return out
}

// roundFixedToU16 rounds non-negative I32F32 bits to the nearest integer, ties away from
// zero, and converts to u16 with saturation.
func roundFixedToU16(bits uint64) uint16 {
	v := (bits + 1<<31) >> 32
	if v > U16Max {
		return U16Max
	}
	return uint16(v)
}
