package yuma

import (
	"slices"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// This file is the reference epoch: subtensor's epoch_mechanism written out
// literally, in the chain's order, one math.rs function per step, with the
// chain's intermediate matrices materialised (dense accumulators, the dense
// n×n liquid-alpha matrix, a fresh copy per step). It shares nothing with
// the optimised epoch but the Input/Output types and the yuma/fixed
// arithmetic (itself checked against math/big), so the differential tests
// (TestEpoch_Reference, FuzzEpoch_Reference) compare two independent
// implementations. It is slow on purpose: keep it literal, never optimise it.

type refSparse = [][]refCell

type refCell struct {
	j uint16
	v fixed.I32F32
}

// refEpoch is epoch_mechanism(netuid, MAIN, rao_emission) followed by what
// persist_mechanism_epoch_terms stores, returned as an Output.
func refEpoch(in *Input) *Output {
	n := len(in.Neurons)
	p := in.Params
	nrn := in.Neurons
	currentBlock := in.Block

	// == Initialization (spec §2) ==
	lastUpdate := make([]uint64, n)
	blockAtRegistration := make([]uint64, n)
	for i := range nrn {
		lastUpdate[i] = nrn[i].LastUpdate
		blockAtRegistration[i] = nrn[i].BlockAtRegistration
	}
	activityCutoff := p.ActivityCutoff

	// == Activity (§3) ==
	inactive := make([]bool, n)
	active := make([]bool, n)
	for i := range n {
		inactive[i] = refSatAddU64(lastUpdate[i], activityCutoff) < currentBlock
		active[i] = !inactive[i]
	}

	// == Stake (§4): get_stake_weights_for_network, threshold, inplace_normalize_64 ==
	ownerUID := -1
	if in.HasOwner && int(in.OwnerUID) < n {
		ownerUID = int(in.OwnerUID)
	}
	taoWeight := fixed.TaoWeight(p.TaoWeight).ToI64F64()
	totalStake := make([]fixed.I64F64, n)
	for i := range nrn {
		alpha := fixed.I64F64FromU64(nrn[i].AlphaStake)
		tao := fixed.I64F64FromU64(nrn[i].TaoStake)
		totalStake[i] = alpha.Add(tao.Mul(taoWeight))
	}
	filtered := make([]fixed.I64F64, n)
	for i := range n {
		if i != ownerUID && totalStake[i].ToU64() < p.StakeThreshold {
			filtered[i] = fixed.I64F64{}
		} else {
			filtered[i] = totalStake[i]
		}
	}
	refInplaceNormalize64(filtered)
	stake := make([]fixed.I32F32, n)
	for i := range filtered {
		stake[i] = filtered[i].ToI32F32()
	}

	// == Validator permits (§5) ==
	validatorPermits := make([]bool, n)
	for i := range nrn {
		validatorPermits[i] = nrn[i].ValidatorPermit
	}
	if ownerUID >= 0 {
		validatorPermits[ownerUID] = true
	}
	validatorForbids := make([]bool, n)
	for i := range validatorPermits {
		validatorForbids[i] = !validatorPermits[i]
	}
	newValidatorPermits := refIsTopkNonzero(stake, int(p.MaxAllowedValidators))
	if ownerUID >= 0 {
		newValidatorPermits[ownerUID] = true
	}

	// == Active stake (§6) ==
	activeStake := slices.Clone(stake)
	refInplaceMaskVector(inactive, activeStake)
	refInplaceMaskVector(validatorForbids, activeStake)
	refInplaceNormalize(activeStake)

	// == Weights (§7) ==
	weights := refGetWeightsSparse(nrn)
	weights = refMaskRowsSparse(validatorForbids, weights)
	if ownerUID >= 0 {
		weights = refMaskDiagSparseExceptIndex(weights, uint16(ownerUID))
	} else {
		weights = refMaskDiagSparse(weights)
	}
	weights = refVecMaskSparseMatrix(weights, lastUpdate, blockAtRegistration, func(updated, registered uint64) bool {
		return updated <= registered
	})
	if in.CommitReveal {
		commitBlocks := make([]uint64, n)
		for i := range nrn {
			commitBlocks[i] = nrn[i].CommitBlock
		}
		weights = refVecMaskSparseMatrix(weights, commitBlocks, blockAtRegistration, func(cb, reg uint64) bool {
			return cb < reg
		})
	}
	refInplaceRowNormalizeSparse(weights)

	// == Consensus, validator trust (§7.1, §7.2) ==
	kappa := fixed.FromU16(p.Kappa).SafeDiv(fixed.U16Max) // get_float_kappa
	consensus := refWeightedMedianColSparse(activeStake, weights, n, kappa)
	clippedWeights := refColClipSparse(weights, consensus)
	validatorTrust := refRowSumSparse(clippedWeights)

	// == Ranks, incentive (§7.2) ==
	ranks := refMatmulSparse(clippedWeights, activeStake, n)
	refInplaceNormalize(ranks)
	incentive := slices.Clone(ranks)

	// == Bonds and dividends (§7.3) ==
	bondsPenalty := fixed.FromU16(p.BondsPenalty).SafeDiv(fixed.U16Max) // get_float_bonds_penalty
	weightsForBonds := refInterpolateSparse(weights, clippedWeights, n, bondsPenalty)
	lastTempo := refSatSubU64(currentBlock, uint64(p.Tempo))
	if in.LastStepBlock != 0 {
		lastTempo = refSatAddU64(in.LastStepBlock, 1)
	}
	var dividends []fixed.I32F32
	var emaBonds refSparse
	if p.Yuma3On {
		bonds := refGetBondsSparse(nrn, func(v uint16) fixed.I32F32 {
			return fixed.FromU16(v).SafeDiv(fixed.U16Max) // fixed_to_fixed_u16_proportion
		})
		bonds = refScalarVecMaskSparseMatrix(bonds, lastTempo, blockAtRegistration, func(lt, reg uint64) bool { return lt <= reg })
		emaBonds = refComputeBondsSparse(&p, weightsForBonds, bonds, consensus)
		emaBondsNorm := refCloneSparse(emaBonds)
		refInplaceColNormalizeSparse(emaBondsNorm, n)
		totalBondsPerValidator := refRowSumSparse(refMatVecMulSparse(emaBondsNorm, incentive))
		dividends = refVecMul(totalBondsPerValidator, activeStake)
		refInplaceNormalize(dividends)
	} else {
		bonds := refGetBondsSparse(nrn, fixed.FromU16) // u16_to_fixed
		bonds = refScalarVecMaskSparseMatrix(bonds, lastTempo, blockAtRegistration, func(lt, reg uint64) bool { return lt <= reg })
		refInplaceColNormalizeSparse(bonds, n)
		bondsDelta := refRowHadamardSparse(weightsForBonds, activeStake)
		refInplaceColNormalizeSparse(bondsDelta, n)
		emaBonds = refMatEMASparse(bondsDelta, bonds, refBondsAlpha(p.BondsMovingAverage)) // compute_ema_bonds_normal_sparse
		refInplaceColNormalizeSparse(emaBonds, n)
		dividends = refMatmulTransposeSparse(emaBonds, incentive)
		refInplaceNormalize(dividends)
		refInplaceColMaxUpscaleSparse(emaBonds, n)
	}

	// == Emission (§8) ==
	combinedEmission := make([]fixed.I32F32, n)
	for i := range n {
		combinedEmission[i] = incentive[i].Add(dividends[i])
	}
	emissionSum := refSum(combinedEmission)
	normalizedServerEmission := slices.Clone(incentive)
	normalizedValidatorEmission := slices.Clone(dividends)
	normalizedCombinedEmission := slices.Clone(combinedEmission)
	refInplaceNormalizeUsingSum(normalizedServerEmission, emissionSum)
	refInplaceNormalizeUsingSum(normalizedValidatorEmission, emissionSum)
	refInplaceNormalize(normalizedCombinedEmission)
	if emissionSum == 0 {
		if refSum(activeStake) == 0 {
			normalizedValidatorEmission = slices.Clone(stake)
			normalizedCombinedEmission = slices.Clone(stake)
		} else {
			normalizedValidatorEmission = slices.Clone(activeStake)
			normalizedCombinedEmission = slices.Clone(activeStake)
		}
	}
	rao := func(v []fixed.I32F32) []uint64 {
		out := make([]uint64, len(v))
		for i, x := range v {
			out[i] = fixed.I96F32FromI32F32(x).Mul(fixed.I96F32FromU64(in.RaoEmission)).ToU64()
		}
		return out
	}

	// == Value storage (§9, §10) ==
	toU16 := func(v []fixed.I32F32) []uint16 {
		out := make([]uint16, len(v))
		for i, x := range v {
			out[i] = refFixedProportionToU16(x)
		}
		return out
	}
	out := &Output{
		Active:            active,
		ValidatorPermit:   newValidatorPermits,
		Consensus:         toU16(consensus),
		Incentive:         toU16(incentive),
		Dividends:         toU16(dividends),
		ValidatorTrust:    toU16(validatorTrust),
		StakeWeight:       toU16(stake),
		Emission:          rao(normalizedCombinedEmission),
		ServerEmission:    rao(normalizedServerEmission),
		ValidatorEmission: rao(normalizedValidatorEmission),
		Stake:             make([]uint64, n),
		Bonds:             make([][]Cell, n),
		Fixed: FixedTerms{
			Stake: stake, ActiveStake: activeStake, Consensus: consensus,
			Incentive: incentive, Dividends: dividends, ValidatorTrust: validatorTrust,
		},
	}
	for i := range totalStake {
		out.Stake[i] = totalStake[i].ToU64()
	}
	for i := range n {
		// A new permit stores the EMA row; anything else an empty row.
		out.Bonds[i] = []Cell{}
		if newValidatorPermits[i] {
			for _, c := range emaBonds[i] {
				out.Bonds[i] = append(out.Bonds[i], Cell{UID: c.j, Value: refFixedProportionToU16(c.v)})
			}
		}
	}
	return out
}

// refGetWeightsSparse is get_weights_sparse: rows of uids < n, entries of
// columns < n as integer-valued I32F32, in stored order.
func refGetWeightsSparse(nrn []Neuron) refSparse {
	n := len(nrn)
	w := make(refSparse, n)
	for i := range nrn {
		w[i] = []refCell{}
		for _, c := range nrn[i].Weights {
			if int(c.UID) < n {
				w[i] = append(w[i], refCell{c.UID, fixed.FromU16(c.Value)})
			}
		}
	}
	return w
}

// refGetBondsSparse is get_bonds_sparse / get_bonds_sparse_fixed_proportion:
// every stored entry of rows < n, converted by conv.
func refGetBondsSparse(nrn []Neuron, conv func(uint16) fixed.I32F32) refSparse {
	b := make(refSparse, len(nrn))
	for i := range nrn {
		b[i] = []refCell{}
		for _, c := range nrn[i].Bonds {
			b[i] = append(b[i], refCell{c.UID, conv(c.Value)})
		}
	}
	return b
}

// refBondsAlpha is compute_ema_bonds_normal_sparse's (and
// compute_disabled_liquid_alpha's) alpha: 1 - I64F64(bma)/I64F64(1e6).
func refBondsAlpha(bma uint64) fixed.I32F32 {
	q := fixed.I64F64FromU64(bma).SafeDiv(fixed.I64F64FromU64(1_000_000))
	return fixed.One.Sub(q.ToI32F32())
}

// refComputeBondsSparse is compute_bonds_sparse.
func refComputeBondsSparse(p *Params, weights, bonds refSparse, consensus []fixed.I32F32) refSparse {
	anyNonzero := false
	for _, c := range consensus {
		if c != 0 {
			anyNonzero = true
		}
	}
	if p.LiquidAlphaOn && len(consensus) > 0 && anyNonzero {
		alphas := refComputeLiquidAlphaValuesSparse(p, weights, bonds, consensus)
		return refMatEMAAlphaSparse(weights, bonds, alphas)
	}
	return refMatEMASparse(weights, bonds, refBondsAlpha(p.BondsMovingAverage))
}

// refComputeLiquidAlphaValuesSparse is compute_liquid_alpha_values_sparse:
// a dense rows × len(consensus) alpha matrix, each row built by walking the
// weight and bond rows forward (as if their columns ascended).
func refComputeLiquidAlphaValuesSparse(p *Params, weights, bonds refSparse, consensus []fixed.I32F32) [][]fixed.I32F32 {
	alphas := [][]fixed.I32F32{}
	if len(weights) != len(bonds) {
		return alphas
	}
	steepness := fixed.FromInt(int64(p.AlphaSigmoidSteepness))
	low := fixed.FromU16(p.AlphaLow).SafeDiv(fixed.U16Max)
	high := fixed.FromU16(p.AlphaHigh).SafeDiv(fixed.U16Max)
	for r := range weights {
		wRow, bRow := weights[r], bonds[r]
		row := []fixed.I32F32{}
		wi, bi := 0, 0
		for jPos, c := range consensus {
			j := uint16(jPos)
			var weight, bond fixed.I32F32
			for wi < len(wRow) {
				if wRow[wi].j < j {
					wi++
				} else {
					if wRow[wi].j == j {
						weight = wRow[wi].v
					}
					break
				}
			}
			for bi < len(bRow) {
				if bRow[bi].j < j {
					bi++
				} else {
					if bRow[bi].j == j {
						bond = bRow[bi].v
					}
					break
				}
			}
			row = append(row, refAlphaSigmoid(c, weight, bond, low, high, steepness))
		}
		alphas = append(alphas, row)
	}
	return alphas
}

// refAlphaSigmoid is alpha_sigmoid.
func refAlphaSigmoid(consensus, weight, bond, low, high, steepness fixed.I32F32) fixed.I32F32 {
	zero, one := fixed.I32F32(0), fixed.One
	diffBuy := refClamp(weight.Sub(consensus), zero, one)
	diffSell := refClamp(bond.Sub(weight), zero, one)
	combinedDiff := diffSell
	if weight >= bond {
		combinedDiff = diffBuy
	}
	x := steepness.SaturatingDiv(fixed.FromInt(-100)).Mul(combinedDiff.Sub(fixed.FromFloat64(0.5)))
	sigmoid := one.SaturatingDiv(one.Add(fixed.ExpSafe(x)))
	alpha := low.Add(sigmoid.Mul(high.Sub(low)))
	return refClamp(alpha, low, high)
}

// refClamp is clamp_value.
func refClamp(v, low, high fixed.I32F32) fixed.I32F32 { return v.Min(high).Max(low) }

// refMatEMAAlphaSparse is mat_ema_alpha_sparse.
func refMatEMAAlphaSparse(newM, old refSparse, alpha [][]fixed.I32F32) refSparse {
	if len(newM) != len(old) || len(newM) != len(alpha) {
		return refCloneSparse(newM)
	}
	result := refSparse{}
	for i := range newM {
		alphaRow := alpha[i]
		decayed := make([]fixed.I32F32, len(alphaRow))
		for _, c := range old[i] {
			if int(c.j) < len(alphaRow) {
				decayed[c.j] = fixed.One.Sub(alphaRow[c.j]).Mul(c.v)
			}
		}
		outRow := []refCell{}
		for _, c := range newM[i] {
			if int(c.j) < len(alphaRow) {
				inc := alphaRow[c.j].Mul(c.v).Max(0)
				val := decayed[c.j].Add(inc).Min(fixed.One)
				if val > 0 {
					outRow = append(outRow, refCell{c.j, val})
				}
			}
		}
		result = append(result, outRow)
	}
	return result
}

// refMatEMASparse is mat_ema_sparse: a dense accumulator per row, as many
// columns as there are rows.
func refMatEMASparse(newM, old refSparse, alpha fixed.I32F32) refSparse {
	oneMinusAlpha := fixed.One.Sub(alpha)
	n := len(newM)
	result := refSparse{}
	for i := range newM {
		acc := make([]fixed.I32F32, n)
		for _, c := range newM[i] {
			if int(c.j) < n {
				acc[c.j] = acc[c.j].Add(alpha.Mul(c.v))
			}
		}
		if i < len(old) {
			for _, c := range old[i] {
				if int(c.j) < n {
					acc[c.j] = acc[c.j].Add(oneMinusAlpha.Mul(c.v))
				}
			}
		}
		outRow := []refCell{}
		for j, v := range acc {
			if v > 0 {
				outRow = append(outRow, refCell{uint16(j), v})
			}
		}
		result = append(result, outRow)
	}
	return result
}

// refInterpolateSparse is interpolate_sparse.
func refInterpolateSparse(mat1, mat2 refSparse, columns int, ratio fixed.I32F32) refSparse {
	if ratio == 0 {
		return refCloneSparse(mat1)
	}
	if ratio == fixed.One {
		return refCloneSparse(mat2)
	}
	if len(mat1) != len(mat2) {
		return refCloneSparse(mat2)
	}
	result := make(refSparse, len(mat1))
	for i := range mat1 {
		row1 := make([]fixed.I32F32, columns)
		for _, c := range mat1[i] {
			if int(c.j) < columns {
				row1[c.j] = c.v
			}
		}
		row2 := make([]fixed.I32F32, columns)
		for _, c := range mat2[i] {
			if int(c.j) < columns {
				row2[c.j] = c.v
			}
		}
		result[i] = []refCell{}
		for j := range columns {
			interp := row1[j].Add(ratio.Mul(row2[j].Sub(row1[j])))
			if interp > 0 {
				result[i] = append(result[i], refCell{uint16(j), interp})
			}
		}
	}
	return result
}

// refWeightedMedianColSparse is weighted_median_col_sparse.
func refWeightedMedianColSparse(stake []fixed.I32F32, score refSparse, columns int, majority fixed.I32F32) []fixed.I32F32 {
	useStake := []fixed.I32F32{}
	for _, s := range stake {
		if s > 0 {
			useStake = append(useStake, s)
		}
	}
	refInplaceNormalize(useStake)
	stakeSum := refSum(useStake)
	minority := stakeSum.Sub(majority)
	stakeIdx := make([]int, len(useStake))
	for k := range stakeIdx {
		stakeIdx[k] = k
	}
	useScore := make([][]fixed.I32F32, columns)
	for c := range useScore {
		useScore[c] = make([]fixed.I32F32, len(useStake))
	}
	k := 0
	for i := 0; i < len(stake) && i < len(score); i++ {
		if stake[i] > 0 {
			for _, c := range score[i] {
				if int(c.j) < columns && k < len(useStake) {
					useScore[c.j][k] = c.v
				}
			}
			k++
		}
	}
	median := []fixed.I32F32{}
	for _, colVec := range useScore {
		median = append(median, refWeightedMedian(useStake, colVec, stakeIdx, minority, 0, stakeSum))
	}
	return median
}

// refWeightedMedian is weighted_median: a quickselect with the middle
// element as pivot, saturating arithmetic, index partitions.
func refWeightedMedian(stake, score []fixed.I32F32, partitionIdx []int, minority, lo, hi fixed.I32F32) fixed.I32F32 {
	if len(stake) != len(score) {
		return 0
	}
	get := func(v []fixed.I32F32, i int) fixed.I32F32 {
		if i >= 0 && i < len(v) {
			return v[i]
		}
		return 0
	}
	current := slices.Clone(partitionIdx)
	iterationLimit := len(partitionIdx)
	for iteration := 0; ; {
		n := len(current)
		if n == 0 {
			return 0
		}
		if n == 1 {
			return get(score, current[0])
		}
		pivot := get(score, current[n/2])
		var loStake, hiStake fixed.I32F32
		lower, upper := []int{}, []int{}
		for _, idx := range current {
			if get(score, idx) == pivot {
				continue
			}
			if get(score, idx) < pivot {
				loStake = loStake.Add(get(stake, idx))
				lower = append(lower, idx)
			} else {
				hiStake = hiStake.Add(get(stake, idx))
				upper = append(upper, idx)
			}
		}
		if minority < lo.Add(loStake) && len(lower) > 0 {
			current = lower
			hi = lo.Add(loStake)
		} else if hi.Sub(hiStake) <= minority && len(upper) > 0 {
			current = upper
			lo = hi.Sub(hiStake)
		} else {
			return pivot
		}
		iteration++
		if iteration > iterationLimit {
			return 0
		}
	}
}

// refColClipSparse is col_clip_sparse.
func refColClipSparse(m refSparse, threshold []fixed.I32F32) refSparse {
	result := refSparse{}
	for _, row := range m {
		outRow := []refCell{}
		for _, c := range row {
			var th fixed.I32F32
			if int(c.j) < len(threshold) {
				th = threshold[c.j]
			}
			if th < c.v {
				if th > 0 {
					outRow = append(outRow, refCell{c.j, th})
				}
			} else {
				outRow = append(outRow, c)
			}
		}
		result = append(result, outRow)
	}
	return result
}

// refRowSumSparse is row_sum_sparse.
func refRowSumSparse(m refSparse) []fixed.I32F32 {
	out := []fixed.I32F32{}
	for _, row := range m {
		var s fixed.I32F32
		for _, c := range row {
			s = s.Add(c.v)
		}
		out = append(out, s)
	}
	return out
}

// refMatmulSparse is matmul_sparse: result_j = Σ_i vector_i · m_ij.
func refMatmulSparse(m refSparse, vector []fixed.I32F32, columns int) []fixed.I32F32 {
	result := make([]fixed.I32F32, columns)
	for i, row := range m {
		var scale fixed.I32F32
		if i < len(vector) {
			scale = vector[i]
		}
		for _, c := range row {
			if int(c.j) < columns {
				result[c.j] = result[c.j].Add(scale.Mul(c.v))
			}
		}
	}
	return result
}

// refMatmulTransposeSparse is matmul_transpose_sparse: result_i = Σ_j vector_j · m_ij.
func refMatmulTransposeSparse(m refSparse, vector []fixed.I32F32) []fixed.I32F32 {
	result := make([]fixed.I32F32, len(m))
	for i, row := range m {
		var acc fixed.I32F32
		for _, c := range row {
			var v fixed.I32F32
			if int(c.j) < len(vector) {
				v = vector[c.j]
			}
			acc = acc.Add(v.Mul(c.v))
		}
		result[i] = acc
	}
	return result
}

// refMatVecMulSparse is mat_vec_mul_sparse: m_ij · vector_j, non-zero products kept.
func refMatVecMulSparse(m refSparse, vector []fixed.I32F32) refSparse {
	result := make(refSparse, len(m))
	for i, row := range m {
		result[i] = []refCell{}
		for _, c := range row {
			if int(c.j) < len(vector) {
				if v := c.v.Mul(vector[c.j]); v != 0 {
					result[i] = append(result[i], refCell{c.j, v})
				}
			}
		}
	}
	return result
}

// refVecMul is vec_mul: element-wise checked products, 0 on overflow.
func refVecMul(a, b []fixed.I32F32) []fixed.I32F32 {
	out := []fixed.I32F32{}
	for i := 0; i < len(a) && i < len(b); i++ {
		v, ok := a[i].CheckedMul(b[i])
		if !ok {
			v = 0
		}
		out = append(out, v)
	}
	return out
}

// refRowHadamardSparse is row_hadamard_sparse: m_ij · vector_i.
func refRowHadamardSparse(m refSparse, vector []fixed.I32F32) refSparse {
	out := refSparse{}
	for i, row := range m {
		if i >= len(vector) {
			break
		}
		newRow := []refCell{}
		for _, c := range row {
			newRow = append(newRow, refCell{c.j, c.v.Mul(vector[i])})
		}
		out = append(out, newRow)
	}
	return out
}

// refInplaceColNormalizeSparse is inplace_col_normalize_sparse.
func refInplaceColNormalizeSparse(m refSparse, columns int) {
	colSum := make([]fixed.I32F32, columns)
	for _, row := range m {
		for _, c := range row {
			if int(c.j) < columns {
				colSum[c.j] = colSum[c.j].Add(c.v)
			}
		}
	}
	for _, row := range m {
		for k, c := range row {
			var denom fixed.I32F32
			if int(c.j) < columns {
				denom = colSum[c.j]
			}
			if denom != 0 {
				row[k].v = c.v.SafeDiv(denom)
			}
		}
	}
}

// refInplaceColMaxUpscaleSparse is inplace_col_max_upscale_sparse.
func refInplaceColMaxUpscaleSparse(m refSparse, columns int) {
	colMax := make([]fixed.I32F32, columns)
	for _, row := range m {
		for _, c := range row {
			if int(c.j) < columns && colMax[c.j] < c.v {
				colMax[c.j] = c.v
			}
		}
	}
	for _, row := range m {
		for k, c := range row {
			var mx fixed.I32F32
			if int(c.j) < columns {
				mx = colMax[c.j]
			}
			if mx != 0 {
				row[k].v = c.v.SafeDiv(mx)
			}
		}
	}
}

// refInplaceRowNormalizeSparse is inplace_row_normalize_sparse.
func refInplaceRowNormalizeSparse(m refSparse) {
	for _, row := range m {
		var rowSum fixed.I32F32
		for _, c := range row {
			rowSum = rowSum.Add(c.v)
		}
		if rowSum > 0 {
			for k := range row {
				row[k].v = row[k].v.SafeDiv(rowSum)
			}
		}
	}
}

// refMaskRowsSparse is mask_rows_sparse: masked rows become empty.
func refMaskRowsSparse(mask []bool, m refSparse) refSparse {
	out := refSparse{}
	for i, row := range m {
		if i >= len(mask) || mask[i] {
			out = append(out, []refCell{})
		} else {
			out = append(out, slices.Clone(row))
		}
	}
	return out
}

// refMaskDiagSparse is mask_diag_sparse.
func refMaskDiagSparse(m refSparse) refSparse {
	out := refSparse{}
	for i, row := range m {
		r := []refCell{}
		for _, c := range row {
			if int(c.j) != i {
				r = append(r, c)
			}
		}
		out = append(out, r)
	}
	return out
}

// refMaskDiagSparseExceptIndex is mask_diag_sparse_except_index.
func refMaskDiagSparseExceptIndex(m refSparse, except uint16) refSparse {
	out := refSparse{}
	for i, row := range m {
		r := []refCell{}
		for _, c := range row {
			if int(c.j) != i || (i == int(except) && c.j == except) {
				r = append(r, c)
			}
		}
		out = append(out, r)
	}
	return out
}

// refVecMaskSparseMatrix is vec_mask_sparse_matrix: cell (i, j) is removed
// when maskFn(first[i], second[j]) (missing values read as 0).
func refVecMaskSparseMatrix(m refSparse, first, second []uint64, maskFn func(a, b uint64) bool) refSparse {
	result := refSparse{}
	for i, row := range m {
		var fv uint64
		if i < len(first) {
			fv = first[i]
		}
		outRow := []refCell{}
		for _, c := range row {
			var sv uint64
			if int(c.j) < len(second) {
				sv = second[c.j]
			}
			if !maskFn(fv, sv) {
				outRow = append(outRow, c)
			}
		}
		result = append(result, outRow)
	}
	return result
}

// refScalarVecMaskSparseMatrix is scalar_vec_mask_sparse_matrix.
func refScalarVecMaskSparseMatrix(m refSparse, scalar uint64, vector []uint64, maskFn func(a, b uint64) bool) refSparse {
	result := refSparse{}
	for _, row := range m {
		outRow := []refCell{}
		for _, c := range row {
			var vj uint64
			if int(c.j) < len(vector) {
				vj = vector[c.j]
			}
			if !maskFn(scalar, vj) {
				outRow = append(outRow, c)
			}
		}
		result = append(result, outRow)
	}
	return result
}

// refIsTopkNonzero is is_topk_nonzero.
func refIsTopkNonzero(vector []fixed.I32F32, k int) []bool {
	n := len(vector)
	result := make([]bool, n)
	for i, v := range vector {
		result[i] = v != 0
	}
	if n < k {
		return result
	}
	idxs := make([]int, n)
	for i := range idxs {
		idxs[i] = i
	}
	slices.SortStableFunc(idxs, func(a, b int) int {
		switch {
		case vector[a] < vector[b]:
			return -1
		case vector[a] > vector[b]:
			return 1
		}
		return 0
	})
	for _, idx := range idxs[:n-k] {
		result[idx] = false
	}
	return result
}

// refInplaceMaskVector is inplace_mask_vector: masked entries become 0.
func refInplaceMaskVector(mask []bool, v []fixed.I32F32) {
	for i := range v {
		if i >= len(mask) || mask[i] {
			v[i] = 0
		}
	}
}

func refSum(x []fixed.I32F32) fixed.I32F32 {
	var s fixed.I32F32
	for _, v := range x {
		s = s.Add(v)
	}
	return s
}

// refInplaceNormalize is inplace_normalize.
func refInplaceNormalize(x []fixed.I32F32) {
	refInplaceNormalizeUsingSum(x, refSum(x))
}

// refInplaceNormalizeUsingSum is inplace_normalize_using_sum.
func refInplaceNormalizeUsingSum(x []fixed.I32F32, s fixed.I32F32) {
	if s == 0 {
		return
	}
	for i := range x {
		x[i] = x[i].SafeDiv(s)
	}
}

// refInplaceNormalize64 is inplace_normalize_64.
func refInplaceNormalize64(x []fixed.I64F64) {
	var s fixed.I64F64
	for _, v := range x {
		s = s.Add(v)
	}
	if s.IsZero() {
		return
	}
	for i := range x {
		x[i] = x[i].SafeDiv(s)
	}
}

// refFixedProportionToU16 is fixed_proportion_to_u16: floor(x · 65535), saturating.
func refFixedProportionToU16(x fixed.I32F32) uint16 { return x.Mul(fixed.U16Max).ToU16() }

func refCloneSparse(m refSparse) refSparse {
	out := make(refSparse, len(m))
	for i, row := range m {
		out[i] = slices.Clone(row)
		if out[i] == nil {
			out[i] = []refCell{}
		}
	}
	return out
}

func refSatAddU64(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return ^uint64(0)
}

func refSatSubU64(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}
