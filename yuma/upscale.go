package yuma

import "github.com/subnetd/subnetd/yuma/fixed"

// MaxUpscale is the chain's vec_max_upscale_to_u16: scale so that the
// largest value becomes 65535, rounding each result to nearest (ties away
// from zero). Above a maximum of 32768 it multiplies by 65535/max, otherwise
// it multiplies by 65535 first and then divides, exactly as the chain does.
func MaxUpscale(v []fixed.I32F32) []uint16 {
	out := make([]uint16, len(v))
	if len(v) == 0 {
		return out
	}
	maxV := v[0]
	for _, x := range v[1:] {
		maxV = maxV.Max(x)
	}
	switch {
	case maxV == 0:
		for i, x := range v {
			out[i] = x.Mul(fixed.U16Max).ToU16()
		}
	case maxV > fixed.FromInt(32768):
		ratio := fixed.U16Max.SafeDiv(maxV)
		for i, x := range v {
			out[i] = x.Mul(ratio).Round().ToU16()
		}
	default:
		for i, x := range v {
			out[i] = x.Mul(fixed.U16Max).SafeDiv(maxV).Round().ToU16()
		}
	}
	return out
}

// MaxUpscaleU16 is vec_u16_max_upscale_to_u16, what set_weights applies
// before storing a weights row.
func MaxUpscaleU16(v []uint16) []uint16 {
	f := make([]fixed.I32F32, len(v))
	for i, x := range v {
		f[i] = fixed.FromU16(x)
	}
	return MaxUpscale(f)
}

// MaxLimited is check_vec_max_limited: whether the largest weight, after
// normalising the vector to sum 1, is at most maxLimit/65535.
func MaxLimited(v []uint16, maxLimit uint16) bool {
	if len(v) == 0 {
		return true
	}
	f := make([]fixed.I32F32, len(v))
	for i, x := range v {
		f[i] = fixed.FromU16(x)
	}
	normalize(f)
	m := f[0]
	for _, x := range f[1:] {
		m = m.Max(x)
	}
	return m <= fixed.U16Proportion(maxLimit)
}
