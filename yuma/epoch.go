package yuma

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// Epoch runs one epoch of subtensor's sparse epoch_mechanism on in and
// returns what the chain would store. It never panics on malformed rows:
// out-of-range uids are dropped as the chain drops them when it reads storage.
func Epoch(in *Input) (*Output, error) {
	return epoch(in, min(runtime.GOMAXPROCS(0), 8))
}

// epoch is Epoch with at most maxWorkers goroutines for large subnets; the
// result does not depend on maxWorkers.
//
// Its stages follow subtensor's epoch_mechanism (run_epoch.rs) in the
// chain's order, under the chain's section banners; the "§" numbers are the
// sections of shared/reference/yuma-spec.md, and docs/YUMA.md maps every
// stage function to the chain's step. reference_test.go holds the same
// epoch written out literally, one math.rs function per step.
func epoch(in *Input, maxWorkers int) (*Output, error) {
	n := len(in.Neurons)
	if n > math.MaxUint16 {
		return nil, fmt.Errorf("epoch with %d neurons: %w", n, ErrTooManyNeurons)
	}
	p := in.Params
	nrn := in.Neurons
	owner := -1 // get_owner_uid
	if in.HasOwner && int(in.OwnerUID) < n {
		owner = int(in.OwnerUID)
	}

	// == Activity == (§3): inactive = last_update + activity_cutoff < current_block.
	active := activity(nrn, in.Block, p.ActivityCutoff)

	// == Stake == (§4): get_stake_weights_for_network, StakeThreshold,
	// inplace_normalize_64.
	total, stake := stakeWeights(nrn, owner, &p)

	// == Validator permits == (§5): last epoch's permits mask this epoch;
	// is_topk_nonzero gives the new ones.
	forbid, newPermit := validatorPermits(nrn, stake, owner, p.MaxAllowedValidators)

	// == Active stake == (§6): inplace_mask_vector(inactive),
	// inplace_mask_vector(validator_forbids), inplace_normalize.
	activeStake := activeStakeOf(stake, active, forbid)

	// == Weights == (§7): get_weights_sparse, mask_rows_sparse,
	// mask_diag_sparse_except_index, vec_mask_sparse_matrix (outdated), the
	// commit-reveal mask, inplace_row_normalize_sparse.
	workers, cells := 1, 0
	for i := range nrn {
		cells += len(nrn[i].Weights) + len(nrn[i].Bonds)
	}
	if cells >= minParallelCells {
		workers = maxWorkers
	}
	pr := newPar(workers)
	defer pr.release()
	if workers > 1 {
		cost := make([]int, n)
		for i := range nrn {
			cost[i] = 1 + len(nrn[i].Weights) + len(nrn[i].Bonds)
		}
		pr.balance(cost)
	}
	weights, ascending := getWeights(in, forbid, owner, pr)

	// == Consensus, Validator Trust == (§7.1, §7.2): weighted_median_col_sparse
	// with kappa, then col_clip_sparse and row_sum_sparse.
	kappa := fixed.U16Proportion(p.Kappa)          // get_float_kappa
	penalty := fixed.U16Proportion(p.BondsPenalty) // get_float_bonds_penalty
	// For original Yuma with the bonds penalty at 1, the clip's sums (trust
	// and ranks) are taken in the median's column blocks when its dense
	// path runs (clipFused), and the bonds clip W as they read it, so the
	// clip needs no pass of its own.
	var cf *clipFused
	if !p.Yuma3On && penalty == fixed.One {
		cf = &clipFused{stake: activeStake, plain: countEntries(weights) < 1<<30 && proportions(activeStake)}
	}
	consensus := weightedMedianColsClip(activeStake, weights, ascending, n, kappa, workers, cf)
	// The clipped matrix is only materialised when bonds need it: in place
	// of W when the bonds penalty is 1 (W is not read again), as a copy when
	// it is strictly between; not at all when the bonds clip W as they read
	// it (clipFused).
	var clipped sparse
	switch penalty {
	case 0:
	case fixed.One:
		clipped = weights
	default:
		clipped = make(sparse, n)
	}

	// == Ranks, Trust, Incentive == (§7.2): matmul_sparse of the clipped
	// weights, fused with the clip and validator trust; incentive = normalised ranks.
	// Yuma3 with liquid alpha and the bonds following the clipped weights
	// (the defaults) clips and computes the new bonds in one pass
	// (clipBondsLiquid); its bonds only need the incentive for dividends.
	fused := p.Yuma3On && penalty == fixed.One && liquidOn(&p, consensus)
	var vtrust, ranks, emaColSum []fx
	var ema sparse
	var clipCons []fx // non-nil: W is not clipped, the bonds clip it to clipCons
	switch {
	case fused:
		vtrust, ranks, ema, emaColSum = clipBondsLiquid(&p, nrn, weights, ascending, consensus, activeStake, lastTempoBlock(in), n, pr)
	case cf != nil && cf.done:
		vtrust, ranks, clipCons = cf.trust, cf.ranks, consensus
		clipTrustRows(weights, activeStake, consensus, vtrust)
	default:
		vtrust, ranks = clipTrustRanks(weights, consensus, activeStake, clipped, n, pr)
	}
	var rankSums []fx
	if !p.Yuma3On && penalty == fixed.One {
		rankSums = slices.Clone(ranks)
	}
	incentive := ranks
	normalize(incentive)

	// == Bonds and Dividends == (§7.3): interpolate_sparse (weights for
	// bonds), the recent-registration bond mask, then one bond model.
	wb := interpolate(weights, clipped, n, penalty, pr.ars[0])
	// Rows of W_b in strictly ascending column order: those of W (clipping
	// only drops entries), or all of them when interpolate_sparse rebuilt
	// the rows in column order.
	if penalty != 0 && penalty != fixed.One {
		for i := range ascending {
			ascending[i] = true
		}
	}
	lastTempo := lastTempoBlock(in)
	var dividends []fx
	var bondsOut [][]Cell
	if fused {
		bondsOut, dividends = yuma3Dividends(ema, emaColSum, incentive, activeStake, newPermit, n, pr)
	} else if p.Yuma3On {
		bondsOut, dividends = yuma3Bonds(&p, nrn, wb, ascending, consensus, incentive, activeStake, lastTempo, newPermit, pr)
	} else {
		// With the bonds penalty at 1, W_b is the clipped matrix and the
		// column sums of ΔB = W_b ∘ S are the ranks before normalisation:
		// the same products (Mul is commutative: both give the floor of the
		// exact product) of the same entries, non-negative, so their
		// saturating sums agree in any order.
		var deltaSum []fx
		if penalty == fixed.One {
			deltaSum = rankSums
		}
		bondsOut, dividends = originalBonds(&p, nrn, wb, ascending, deltaSum, incentive, activeStake, lastTempo, newPermit, clipCons, pr)
	}

	// == Emission and Pruning scores == (§8): the server/validator split.
	serverNorm, validatorNorm, combinedNorm := splitEmission(incentive, dividends, activeStake, stake)

	// == Value storage == (§9, §10): u16 terms, rao, permits, bond rows.
	out := &Output{
		Active:            active,
		ValidatorPermit:   newPermit,
		Consensus:         toU16(consensus),
		Incentive:         toU16(incentive),
		Dividends:         toU16(dividends),
		ValidatorTrust:    toU16(vtrust),
		StakeWeight:       toU16(stake),
		Emission:          toRao(combinedNorm, in.RaoEmission),
		ServerEmission:    toRao(serverNorm, in.RaoEmission),
		ValidatorEmission: toRao(validatorNorm, in.RaoEmission),
		Stake:             make([]uint64, n),
		Bonds:             bondsOut,
		Fixed: FixedTerms{
			Stake: stake, ActiveStake: activeStake, Consensus: consensus,
			Incentive: incentive, Dividends: dividends, ValidatorTrust: vtrust,
		},
	}
	for i := range total {
		out.Stake[i] = total[i].ToU64()
	}
	return out, nil
}

// activity is §3: a uid is active when last_update + activity_cutoff >=
// current_block (saturating add).
func activity(nrn []Neuron, block, cutoff uint64) []bool {
	active := make([]bool, len(nrn))
	for i := range nrn {
		active[i] = !(satAdd(nrn[i].LastUpdate, cutoff) < block)
	}
	return active
}

// stakeWeights is §4: get_stake_weights_for_network (alpha + tao ×
// tao_weight in I64F64), the StakeThreshold filter (the owner is exempt),
// inplace_normalize_64, and the floor to I32F32. It returns the unfiltered
// totals (stored as the stake term) and the normalised stake.
func stakeWeights(nrn []Neuron, owner int, p *Params) ([]fixed.I64F64, []fx) {
	n := len(nrn)
	taoWeight := fixed.TaoWeight(p.TaoWeight).ToI64F64()
	total := make([]fixed.I64F64, n)
	filtered := make([]fixed.I64F64, n)
	for i := range nrn {
		t := fixed.I64F64FromU64(nrn[i].AlphaStake).Add(fixed.I64F64FromU64(nrn[i].TaoStake).Mul(taoWeight))
		total[i] = t
		if i == owner || t.ToU64() >= p.StakeThreshold {
			filtered[i] = t
		}
	}
	normalize64(filtered)
	stake := make([]fx, n)
	for i := range filtered {
		stake[i] = filtered[i].ToI32F32()
	}
	return total, stake
}

// validatorPermits is §5: validator_forbids from the previous epoch's
// permits (the owner's forced), and new_validator_permits =
// is_topk_nonzero(stake, max_allowed_validators) with the owner's forced.
func validatorPermits(nrn []Neuron, stake []fx, owner int, maxValidators uint16) (forbid, newPermit []bool) {
	forbid = make([]bool, len(nrn))
	for i := range nrn {
		forbid[i] = !(nrn[i].ValidatorPermit || i == owner)
	}
	newPermit = topKNonzero(stake, int(maxValidators))
	if owner >= 0 {
		newPermit[owner] = true
	}
	return forbid, newPermit
}

// activeStakeOf is §6: stake with inactive and forbidden uids zeroed, normalised.
func activeStakeOf(stake []fx, active, forbid []bool) []fx {
	activeStake := slices.Clone(stake)
	for i := range activeStake {
		if !active[i] || forbid[i] {
			activeStake[i] = 0
		}
	}
	normalize(activeStake)
	return activeStake
}

// getWeights is §7: the weights matrix as the epoch sees it, row by row
// (readWeightsRow); rows of forbidden uids are empty (mask_rows_sparse).
// ascending[i] reports whether row i's columns are strictly ascending.
func getWeights(in *Input, forbid []bool, owner int, pr *par) (weights sparse, ascending []bool) {
	nrn := in.Neurons
	n := len(nrn)
	// The registration blocks, read once per stored weight, in one
	// compact array rather than from the neurons.
	reg := make([]uint64, n)
	var regMax uint64
	for i := range nrn {
		reg[i] = nrn[i].BlockAtRegistration
		regMax = max(regMax, reg[i])
	}
	weights = make(sparse, n)
	ascending = make([]bool, n)
	pr.rows(n, func(w, from, to int) {
		for i := from; i < to; i++ {
			ascending[i] = true
			if !forbid[i] {
				weights[i], ascending[i] = readWeightsRow(in, reg, regMax, i, owner, pr.ars[w])
			}
		}
	})
	return weights, ascending
}

// lastTempoBlock is §7.3's last_tempo: current_block - tempo before the
// first distributed epoch, LastMechansimStepBlock + 1 after it. Bonds on a
// uid registered at or after it are dropped.
func lastTempoBlock(in *Input) uint64 {
	if in.LastStepBlock != 0 {
		return satAdd(in.LastStepBlock, 1)
	}
	return satSub(in.Block, uint64(in.Params.Tempo))
}

// readWeightsRow is §7 for one row (get_weights_sparse, then
// mask_diag_sparse_except_index, vec_mask_sparse_matrix for outdated weights,
// the commit-reveal mask and inplace_row_normalize_sparse, fused):
// it reads uid i's stored weights as the epoch sees them: columns
// < n, the diagonal removed (except the owner's), weights set before the
// target's registration (or committed before it, with commit-reveal)
// removed, and the row normalised (inplace_row_normalize_sparse).
// reg[j] is uid j's BlockAtRegistration. It also reports whether the row's
// columns are strictly ascending.
func readWeightsRow(in *Input, reg []uint64, regMax uint64, i, owner int, ar *arena) ([]entry, bool) {
	nrn := in.Neurons
	n := len(nrn)
	// A target is kept when it registered before this row's last update
	// (and, with commit-reveal, at or before its commit): reg[j] <= maxReg.
	lastUpdate := nrn[i].LastUpdate
	if lastUpdate == 0 {
		return nil, true // every reg[j] >= 0 >= LastUpdate
	}
	maxReg := lastUpdate - 1
	if in.CommitReveal {
		maxReg = min(maxReg, nrn[i].CommitBlock)
	}
	src := nrn[i].Weights
	// keep is the chain's masking of one stored weight.
	// When every uid registered at or before maxReg (regMax is the latest
	// registration), no weight is outdated and reg need not be read.
	allReg := regMax <= maxReg
	keep := func(j int) bool { return j < n && (j != i || i == owner) && (allReg || reg[j] <= maxReg) }
	// First the kept entries' count, order and sum. The values are whole
	// numbers (u16 as I32F32), so inplace_row_normalize_sparse's
	// saturating sum of them is min(their integer sum << 32, MAX).
	var total uint64
	m := 0
	asc, prev := true, -1
	if allReg {
		// No registration to look up: only columns >= n and the diagonal
		// (unless i is the owner) are dropped.
		self := i
		if i == owner {
			self = -1
		}
		total, m, asc = rowSumAllReg(src, n, self)
	} else {
		for _, c := range src {
			j := int(c.UID)
			if !keep(j) {
				continue
			}
			asc = asc && j > prev
			prev = j
			total += uint64(c.Value)
			m++
		}
	}
	sum := fixed.MaxI32F32
	if total < 1<<31 {
		sum = fx(total << 32)
	}
	// Then the normalised row, written once: each kept value divided by
	// the sum (normalizeRowBy's operations, in place of a second pass).
	row := ar.row(len(src))[:m]
	var d divisor
	if sum > 0 {
		d = newDivisor(sum)
	}
	norm := func(v uint16) fx {
		x := fixed.FromU16(v)
		if sum > 0 {
			if q, ok := d.quickInt(x); ok {
				return q
			}
			return x.SafeDiv(sum)
		}
		return x
	}
	if m == len(src) {
		if sum > 0 && d.wholeOK {
			// The common case written out: quickInt for every value
			// (its formula gives 0 for a 0 weight, as SafeDiv does).
			normWhole(src, row[:len(src)], d.wpre, d.wm, d.ws)
			return row[:len(src)], asc
		}
		for k, c := range src {
			row[k] = entry{col: c.UID, val: norm(c.Value)}
		}
		return row, asc
	}
	k := 0
	for _, c := range src {
		if keep(int(c.UID)) {
			row[k] = entry{col: c.UID, val: norm(c.Value)}
			k++
		}
	}
	return row, asc
}

// rowSumAllReg is readWeightsRow's first pass when no registration needs
// looking up: the integer sum, the count and the order of the stored
// weights of columns below n other than self. A leaf function of its own,
// so that its loop keeps its values in registers.
func rowSumAllReg(src []Cell, n, self int) (total uint64, m int, asc bool) {
	asc, prev := true, -1
	for _, c := range src {
		j := int(c.UID)
		if j >= n || j == self {
			continue
		}
		asc = asc && j > prev
		prev = j
		total += uint64(c.Value)
		m++
	}
	return total, m, asc
}

// normWhole writes readWeightsRow's common case: every stored weight kept
// and divided by the row's whole-number sum through its reciprocal
// (divisor.quickInt, whose formula gives SafeDiv's 0 for a 0 weight), into
// row (as long as src).
func normWhole(src []Cell, row []entry, pre uint8, mul uint64, shift uint8) {
	row = row[:len(src)]
	for k, c := range src {
		h, _ := bits.Mul64(uint64(c.Value)<<32>>(pre&63), mul)
		row[k] = entry{col: c.UID, val: fx(h >> (shift & 63))}
	}
}

// splitEmission is §8 ("Emission and Pruning scores"): combined_emission,
// inplace_normalize_using_sum and the zero-emission fallback. It
// normalises incentive and dividends over their combined sum
// (a 50/50 miner/validator split when both are non-zero); when nothing was
// earned, validators get everything by active stake, or by stake when no
// stake is active.
func splitEmission(incentive, dividends, activeStake, stake []fx) (server, validator, combined []fx) {
	combined = make([]fx, len(incentive))
	for i := range combined {
		combined[i] = incentive[i].Add(dividends[i])
	}
	emissionSum := sum(combined)
	server = slices.Clone(incentive)
	validator = slices.Clone(dividends)
	normalizeBy(server, emissionSum)
	normalizeBy(validator, emissionSum)
	normalize(combined)
	if emissionSum == 0 {
		src := activeStake
		if sum(activeStake) == 0 {
			src = stake
		}
		validator = slices.Clone(src)
		combined = slices.Clone(src)
	}
	return server, validator, combined
}

// yuma3Bonds is §7.3 B, the `if Yuma3On` branch of epoch_mechanism:
// get_bonds_sparse_fixed_proportion and scalar_vec_mask_sparse_matrix
// (readBonds), compute_bonds_sparse (computeBondsYuma3),
// inplace_col_normalize_sparse on a copy, row_sum_sparse(mat_vec_mul_sparse),
// vec_mul with the active stake, inplace_normalize. That is: bonds read as u16 proportions, the
// (liquid-alpha) EMA, and dividends from incentive-weighted normalised bonds
// times active stake. The EMA bonds are stored as they are (as u16, for the
// rows in permit).
//
// wbAscending[i] reports whether row i of wb is in strictly ascending
// column order (nil: not known).
func yuma3Bonds(p *Params, nrn []Neuron, wb sparse, wbAscending []bool, consensus, incentive, activeStake []fx, lastTempo uint64, newPermit []bool, pr *par) ([][]Cell, []fx) {
	n := len(nrn)
	bonds, bondsAscending := readBonds(nrn, lastTempo, pr)
	// The EMA comes with its column sums, for inplace_col_normalize_sparse
	// on a copy of it; Σ_j norm_ij·I_j per row follows. The copy is never
	// stored, so each entry is normalised where it is used.
	ema, colSum := computeBondsYuma3(p, wb, bonds, wbAscending, bondsAscending, consensus, n, pr)
	return yuma3Dividends(ema, colSum, incentive, activeStake, newPermit, n, pr)
}

// yuma3Dividends is the end of yuma3Bonds, from the EMA bonds and their
// column sums: inplace_col_normalize_sparse on a copy, mat_vec_mul_sparse
// with the incentive, row_sum_sparse, vec_mul with the active stake,
// inplace_normalize; and the stored bond rows (the EMA as u16, for the rows
// in permit).
func yuma3Dividends(ema sparse, colSum, incentive, activeStake []fx, newPermit []bool, n int, pr *par) ([][]Cell, []fx) {
	// Per column, on the workers: the divisor of the normalisation
	// (columnDivisors) and, only for a matrix dense enough to have
	// reciprocals (packedCols), its quick path with the incentive.
	entries := countEntries(ema)
	div := make([]divisor, len(colSum))
	var last []lastCol
	if packedCols(entries, n) {
		last = make([]lastCol, n)
	}
	prep := entries >= minReciprocalUse*len(colSum)
	pr.cols(len(colSum), func(from, to int) {
		for j := from; j < to; j++ {
			div[j] = columnDivisor(colSum[j], prep)
			if j < len(last) {
				last[j] = newLastCol(&div[j], nil, getFx(incentive, j))
			}
		}
	})
	dividends := make([]fx, n)
	out := make([][]Cell, n)
	pr.rows(n, func(_, from, to int) {
		permittedRowsIn(ema, newPermit, out, from, to)
		for i := from; i < to; i++ {
			var s fx
			cells := out[i]
			if last != nil && newPermit[i] {
				s = yuma3RowPacked(ema[i], last, div, cells)
				if v, ok := s.CheckedMul(activeStake[i]); ok {
					dividends[i] = v
				}
				continue
			}
			for k, e := range ema[i] {
				if newPermit[i] {
					cells[k] = Cell{UID: e.col, Value: propU16(e.val)}
				}
				if int(e.col) < n { // always: the EMA's columns are below n
					var v, inc fx
					if last != nil {
						v, inc = divSlow(&div[e.col], e.val), last[e.col].inc
					} else {
						v, inc = div[e.col].divOrKeep(e.val), incentive[e.col]
					}
					if v := v.Mul(inc); v != 0 {
						s = s.Add(v)
					}
				}
			}
			if v, ok := s.CheckedMul(activeStake[i]); ok {
				dividends[i] = v
			}
		}
	})
	normalize(dividends)
	return out, dividends
}

// columnDivisors prepares one divisor per column sum for a matrix of
// entries entries. A reciprocal costs about one division to prepare, so
// when there are fewer than minReciprocalUse entries per column the
// divisors only hold the sums (quick then always declines, and every entry
// takes SafeDiv).
func columnDivisors(sums []fx, entries int) []divisor {
	d := make([]divisor, len(sums))
	prepare := entries >= minReciprocalUse*len(sums)
	for j, s := range sums {
		d[j] = columnDivisor(s, prepare)
	}
	return d
}

// columnDivisor is one divisor of columnDivisors: with its reciprocals when
// prepare (the matrix has at least minReciprocalUse entries per column),
// the sum alone otherwise.
func columnDivisor(sum fx, prepare bool) divisor {
	if prepare {
		return newDivisor(sum)
	}
	return divisor{y: sum}
}

// minReciprocalUse is the average number of entries per column from which
// columnDivisors prepares reciprocals.
const minReciprocalUse = 8

// countEntries counts the entries of m.
func countEntries(m sparse) int {
	k := 0
	for _, row := range m {
		k += len(row)
	}
	return k
}

// originalBonds is §7.3 A, the original-Yuma branch of epoch_mechanism:
// get_bonds_sparse, scalar_vec_mask_sparse_matrix,
// inplace_col_normalize_sparse, row_hadamard_sparse (ΔB),
// inplace_col_normalize_sparse, compute_ema_bonds_normal_sparse,
// inplace_col_normalize_sparse, matmul_transpose_sparse (dividends),
// inplace_normalize, inplace_col_max_upscale_sparse. That is: bonds read as u16 integers and
// column-normalised, ΔB = W_b ∘ S column-normalised, the fixed-alpha EMA
// column-normalised, dividends d_i = Σ_j b_ij·I_j, and the stored bonds:
// the normalised EMA max-upscaled per column (inplace_col_max_upscale_sparse)
// as u16, for the rows in permit. deltaSum, when non-nil, holds the column
// sums of ΔB (see epoch).
//
// The chain materialises each matrix and normalises it in a second pass;
// here the normalised bonds and ΔB are computed where the EMA reads them,
// from column sums taken beforehand, so only the EMA itself is stored. The
// per-entry operations and their order are the chain's.
//
// wbAscending[i] reports whether row i of wb is in strictly ascending
// column order (nil: not known). When clipCons is not nil, wb is the
// unclipped W of a bonds penalty of 1 and W_b its clip (col_clip_sparse) to
// the consensus clipCons (n long; deltaSum must then be given): each
// weight is clipped where it is read (clipEntry), which drops what the clip
// drops and leaves the others in order, so every step sees the clipped
// matrix.
func originalBonds(p *Params, nrn []Neuron, wb sparse, wbAscending []bool, deltaSum, incentive, activeStake []fx, lastTempo uint64, newPermit []bool, clipCons []fx, pr *par) ([][]Cell, []fx) {
	n := len(nrn)
	if wbAscending == nil {
		wbAscending = make([]bool, n)
		for i := range wb {
			wbAscending[i] = ascendingBelow(wb[i], n)
		}
	}
	// bondsAscending[i]: stored bond row i is in strictly ascending order
	// (found while the column sums read it).
	bondsAscending := make([]bool, n)
	// keep reports whether stored bond column c is read (readBondsRow's rule
	// for the original model: columns >= n and recently registered uids are
	// dropped).
	keepCol := bondColumns(nrn, lastTempo)
	// The stored bonds are whole numbers (u16 as I32F32): their column sums
	// are taken as integers, then widened. The chain's saturating sum of
	// non-negative terms is min(exact sum, MAX), which the widening gives.
	bondParts := make([][]uint64, pr.workers)
	for w := range bondParts {
		bondParts[w] = make([]uint64, n)
	}
	var deltaParts [][]fx
	if deltaSum == nil {
		if clipCons != nil {
			panic("yuma: originalBonds clips W only with the ΔB column sums given")
		}
		deltaParts = pr.partials(n)
	}
	allKeep := !slices.Contains(keepCol, false)
	pr.rows(n, func(w, from, to int) {
		sum := bondParts[w][:n]
		for i := from; i < to; i++ {
			asc, prev := true, -1
			if allKeep {
				// No recently registered uid: only columns >= n are dropped.
				bondsAscending[i] = bondColumnSums(nrn[i].Bonds, sum)
				continue
			}
			for _, c := range nrn[i].Bonds {
				asc = asc && int(c.UID) > prev
				prev = int(c.UID)
				if int(c.UID) < n && keepCol[c.UID] {
					sum[c.UID] += uint64(c.Value)
				}
			}
			bondsAscending[i] = asc
		}
		if deltaParts != nil {
			sum := deltaParts[w]
			for i := from; i < to; i++ {
				for _, e := range wb[i] {
					if int(e.col) < n {
						sum[e.col] = sum[e.col].Add(e.val.Mul(activeStake[i]))
					}
				}
			}
		}
	})
	if deltaParts != nil {
		deltaSum = sumPartials(deltaParts)
	}
	stored := 0
	for i := range nrn {
		stored += len(nrn[i].Bonds)
	}
	// The column sums of the stored bonds and the divisors of both
	// normalisations (columnDivisors), column by column on the workers; and
	// what the merged rows read per column, in one 32-byte record (only
	// when a divisor has reciprocals: see packedCols).
	wbEntries := countEntries(wb)
	bondDiv, deltaDiv := make([]divisor, n), make([]divisor, n)
	prepBond, prepDelta := stored >= minReciprocalUse*n, wbEntries >= minReciprocalUse*n
	var ec []emaCol
	if packedCols(wbEntries, n) || packedCols(stored, n) {
		ec = make([]emaCol, n)
	}
	pr.cols(n, func(from, to int) {
		for j := from; j < to; j++ {
			var t uint64
			for _, part := range bondParts {
				t += part[j]
			}
			bondSum := fixed.MaxI32F32
			if t <= uint64(fixed.MaxI32F32)>>32 {
				bondSum = fx(t << 32)
			}
			bondDiv[j], deltaDiv[j] = columnDivisor(bondSum, prepBond), columnDivisor(deltaSum[j], prepDelta)
			if ec != nil {
				b := &bondDiv[j]
				ec[j] = emaCol{delta: deltaDiv[j].fast(), bm: b.wm, bs: b.ws, bpre: b.wpre, bok: b.wholeOK, keep: keepCol[j]}
				ec[j].fast = ec[j].keep && ec[j].delta.ok && ec[j].bok
			}
		}
	})

	// The EMA, alpha·ΔB_norm + (1-alpha)·B_norm (mat_ema_sparse), with the
	// column sums and maxima of what it keeps.
	alpha := fixedAlpha(p.BondsMovingAverage)
	oneMinus := fixed.One.Sub(alpha)
	ema := make(sparse, n)
	aggParts := make([][]colAgg, pr.workers)
	for w := range aggParts {
		aggParts[w] = make([]colAgg, n)
	}
	accs := make([]*denseAcc, pr.workers)
	// Each worker's copy of ec, with the sums and maxima of what the
	// aligned loop keeps (emaWork); the rest goes to aggParts.
	works := make([][]emaWork, pr.workers)
	pr.rows(n, func(w, from, to int) {
		ar := pr.ars[w]
		agg := aggParts[w]
		da := perWorker(accs, w, func() *denseAcc { return newDenseAcc(n) })
		if ec != nil && works[w] == nil {
			works[w] = make([]emaWork, n)
			for j := range works[w] {
				works[w][j].emaCol = ec[j]
				works[w][j].cons = fixed.MaxI32F32 // no clip: min(w, MAX) = w
				if clipCons != nil {
					works[w][j].cons = clipCons[j]
				}
			}
		}
		for i := from; i < to; i++ {
			s := activeStake[i]
			if bonds := nrn[i].Bonds; wbAscending[i] && bondsAscending[i] {
				// Both rows in strictly ascending column order (what
				// readWeightsRow makes of a submitted row, and what the
				// epoch stores): the accumulator's non-zero columns are the
				// merge of the two rows, each holding 0 + alpha·ΔB and then
				// + (1-alpha)·B in the chain's order, so the merge gives
				// the same values in the same column order without the
				// accumulator.
				ema[i] = emaRowMerged(wb[i], bonds, s, alpha, oneMinus, ec, works[w], keepCol, deltaDiv, bondDiv, agg, clipCons, ar)
				continue
			}
			// A dense row scans the whole accumulator (an untouched column
			// is 0 and is not emitted); a sparse one tracks its columns.
			// Either way the positives come out in column order.
			acc, touched, cols := da.acc, da.touched, da.cols[:0]
			dense := len(wb[i])+len(nrn[i].Bonds) > n/8
			for _, e := range wb[i] {
				if int(e.col) < n {
					var keep bool
					if e, keep = clipEntry(e, clipCons); !keep {
						continue
					}
					d := e.val.Mul(s)
					if dv := &deltaDiv[e.col]; dv.y != 0 {
						if q, ok := dv.quick(d); ok {
							d = q
						} else {
							d = d.SafeDiv(dv.y)
						}
					}
					acc[e.col] = acc[e.col].Add(alpha.Mul(d))
					if !dense && !touched[e.col] {
						touched[e.col] = true
						cols = append(cols, e.col)
					}
				}
			}
			for _, c := range nrn[i].Bonds {
				if int(c.UID) < n && keepCol[c.UID] {
					b := fixed.FromU16(c.Value)
					if dv := &bondDiv[c.UID]; dv.y != 0 {
						if q, ok := dv.quickInt(b); ok {
							b = q
						} else {
							b = b.SafeDiv(dv.y)
						}
					}
					acc[c.UID] = acc[c.UID].Add(oneMinus.Mul(b))
					if !dense && !touched[c.UID] {
						touched[c.UID] = true
						cols = append(cols, c.UID)
					}
				}
			}
			emit := func(row []entry, j int) []entry {
				if v := acc[j]; v > 0 {
					row = append(row, entry{uint16(j), v})
					agg[j].sum = agg[j].sum.Add(v)
					agg[j].max = agg[j].max.Max(v)
				}
				return row
			}
			var row []entry
			if dense {
				row = ar.row(min(n, len(wb[i])+len(nrn[i].Bonds)))
				for j := range acc {
					row = emit(row, j)
				}
				clear(acc)
			} else {
				cols = sortTouched(cols, touched)
				row = ar.row(len(cols))
				for _, j := range cols {
					row = emit(row, int(j))
					acc[j], touched[j] = 0, false
				}
			}
			da.cols = cols
			ema[i] = row
		}
	})
	// Per column, on the workers: the EMA's sum and maximum from the
	// per-worker partials, the divisor of its normalisation, that of the
	// max-upscale, and what the last pass reads, in one 32-byte record
	// instead of three arrays (the two divisors and the incentive; only for
	// a matrix dense enough to have reciprocals: see packedCols).
	emaEntries := countEntries(ema)
	prep := emaEntries >= minReciprocalUse*n
	emaDiv, up := make([]divisor, n), make([]divisor, n)
	var last []lastCol
	if packedCols(emaEntries, n) {
		last = make([]lastCol, n)
	}
	pr.cols(n, func(from, to int) {
		for j := from; j < to; j++ {
			a := aggParts[0][j]
			for _, part := range aggParts[1:] {
				a.sum, a.max = a.sum.Add(part[j].sum), a.max.Max(part[j].max)
			}
			for _, part := range works {
				if part != nil {
					a.sum, a.max = a.sum.Add(part[j].sum), a.max.Max(part[j].max)
				}
			}
			emaDiv[j] = columnDivisor(a.sum, prep)
			// The column maximum of the normalised EMA. Normalising
			// divides by the column sum, which is at least every entry
			// of its column (positive terms), so each quotient is the
			// exact floor(x·2^32/sum) <= 1: a non-decreasing function of
			// x. The maximum of the quotients is therefore the quotient
			// of the maximum.
			m := a.max
			if a.sum != 0 {
				m = emaDiv[j].div(m)
			}
			up[j] = columnDivisor(m, prep)
			if last != nil {
				last[j] = newLastCol(&emaDiv[j], &up[j], getFx(incentive, j))
			}
		}
	})

	// One pass: normalise the EMA, dividends d_i = Σ_j b_ij·I_j, and the
	// stored u16 bonds. The EMA's columns are below n.
	dividends := make([]fx, n)
	out := make([][]Cell, n)
	pr.rows(n, func(_, from, to int) {
		permittedRowsIn(ema, newPermit, out, from, to)
		for i := from; i < to; i++ {
			row := ema[i]
			var acc fx
			if !newPermit[i] {
				for _, e := range row {
					if last == nil {
						acc = acc.Add(incentive[e.col].Mul(emaDiv[e.col].divOrKeep(e.val)))
						continue
					}
					acc = acc.Add(last[e.col].inc.Mul(divSlow(&emaDiv[e.col], e.val)))
				}
				dividends[i] = acc
				continue
			}
			cells := out[i]
			if last != nil {
				dividends[i] = lastRowPacked(row, last, emaDiv, up, cells)
				continue
			}
			for k, e := range row {
				v := emaDiv[e.col].divOrKeep(e.val)
				acc = acc.Add(incentive[e.col].Mul(v))
				// inplace_col_max_upscale_sparse
				cells[k] = Cell{UID: e.col, Value: propU16(up[e.col].divOrKeep(v))}
			}
			dividends[i] = acc
		}
	})
	normalize(dividends)
	return out, dividends
}

// yuma3RowPacked is yuma3Dividends' pass for one row in permit with the
// packed per-column records (the EMA's columns are below n): the stored
// u16 bonds written to cells, and the row's Σ_j b_ij·I_j of the
// column-normalised bonds returned (before the active stake). The common
// entries go through yuma3RowQuick; the others are taken here, one at a time.
func yuma3RowPacked(row []entry, last []lastCol, div []divisor, cells []Cell) fx {
	var s fx
	cells = cells[:len(row)]
	for k := 0; k < len(row); k++ {
		t, q := yuma3RowQuick(row[k:], last, cells[k:])
		if k, s = k+t, s.Add(fx(q)); k == len(row) {
			break
		}
		e := row[k]
		cells[k] = Cell{UID: e.col, Value: propU16(e.val)}
		if int(e.col) >= len(last) {
			continue // never: the EMA's columns are below n
		}
		if v := divSlow(&div[e.col], e.val).Mul(last[e.col].inc); v != 0 {
			s = s.Add(v)
		}
	}
	return s
}

// yuma3RowQuick is yuma3RowPacked's loop from the start of row (and
// cells), in a leaf function so that it keeps its values in registers, for
// as long as each entry takes the quick paths: its column's record is ok
// (see lastCol), its value is below 1/2 (divisor.quick) and its normalised
// value below 1. Then propU16 is its in-range case and v.Mul(inc) the plain
// product of two values in [0, 1] (below 2^64); adding a zero product
// changes nothing. It returns how many entries it took and the plain sum q
// of their terms: each term is below 1, so with at most maxPlainTerms of
// them q cannot overflow, and adding it to the caller's sum is the chain's
// saturating sum of non-negative terms in another grouping, which has the
// same value.
func yuma3RowQuick(row []entry, last []lastCol, cells []Cell) (int, uint64) {
	if len(row) > maxPlainTerms {
		return 0, 0
	}
	n := min(len(row), len(cells))
	row, cells = row[:n], cells[:n]
	var q uint64
	for k, e := range row {
		if int(e.col) >= len(last) {
			return k, q
		}
		lc := &last[e.col]
		if !lc.ok || uint64(e.val) >= 1<<31 {
			return k, q
		}
		h, _ := bits.Mul64(uint64(e.val)<<32, lc.nm)
		v := h >> (lc.ns & 63)
		if v >= 1<<32 {
			return k, q
		}
		cells[k] = Cell{UID: e.col, Value: uint16(uint64(e.val) * 65535 >> 32)}
		q += uint64(lc.inc) * v >> 32
	}
	return n, q
}

// maxPlainTerms bounds the number of terms the leaf loops add with plain
// adds (each below 2^33): their sum stays below 2^63.
const maxPlainTerms = 1 << 29

// lastRowPacked is originalBonds' last pass for one row in permit with the
// packed per-column records: each EMA value normalised by its column sum,
// the dividend Σ_j b_ij·I_j returned, and the row's stored u16 bonds (the
// normalised value max-upscaled) written to cells. The common entries go
// through lastRowQuick; the others are taken here, one at a time.
func lastRowPacked(row []entry, last []lastCol, emaDiv, up []divisor, cells []Cell) fx {
	var acc fx
	cells = cells[:len(row)]
	for k := 0; k < len(row); k++ {
		t, q := lastRowQuick(row[k:], last, cells[k:])
		if k, acc = k+t, acc.Add(fx(q)); k == len(row) {
			break
		}
		e := row[k]
		v := emaDiv[e.col].divOrKeep(e.val)
		acc = acc.Add(last[e.col].inc.Mul(v))
		// inplace_col_max_upscale_sparse
		cells[k] = Cell{UID: e.col, Value: propU16(up[e.col].divOrKeep(v))}
	}
	return acc
}

// lastRowQuick is lastRowPacked's loop from the start of row (and cells),
// in a leaf function so that it keeps its values in registers, for as long
// as each entry takes the quick paths: its column's record is ok (see
// lastCol), its value is below 1/2 and so is its normalised value v
// (divisor.quick, twice), and the max-upscaled u is at most 1 (propU16's
// in-range case). inc.Mul(v) is then the plain product (inc <= 1, v < 1/2:
// below 2^63). It returns how many entries it took and the plain sum of
// their dividend terms (each below 1/2, at most maxPlainTerms of them).
func lastRowQuick(row []entry, last []lastCol, cells []Cell) (int, uint64) {
	if len(row) > maxPlainTerms {
		return 0, 0
	}
	n := min(len(row), len(cells))
	row, cells = row[:n], cells[:n]
	var q uint64
	for k, e := range row {
		lc := &last[e.col]
		if !lc.ok || uint64(e.val) >= 1<<31 {
			return k, q
		}
		h, _ := bits.Mul64(uint64(e.val)<<32, lc.nm)
		v := h >> (lc.ns & 63)
		if v >= 1<<31 {
			return k, q
		}
		hu, _ := bits.Mul64(v<<32, lc.um)
		u := hu >> (lc.us & 63)
		if u > 1<<32 {
			return k, q
		}
		q += uint64(lc.inc) * v >> 32
		cells[k] = Cell{UID: e.col, Value: uint16(u * 65535 >> 32)}
	}
	return n, q
}

// bondColumnSums adds the stored u16 bonds of a row to the integer column
// sums sum (len n) when every column below n is read (no uid registered
// recently), and reports whether the row is in strictly ascending order.
// It is kept out of line: inlined into the pass's closure, its loop kept
// its values on the stack.
//
//go:noinline
func bondColumnSums(bonds []Cell, sum []uint64) bool {
	asc, prev := true, -1
	for _, c := range bonds {
		j := int(c.UID)
		if j <= prev {
			asc = false
		}
		prev = j
		if j < len(sum) {
			sum[j] += uint64(c.Value)
		}
	}
	return asc
}

// fixedAlpha is the alpha of compute_ema_bonds_normal_sparse and
// compute_disabled_liquid_alpha: 1 - BondsMovingAverage/1e6 (the I64F64
// quotient floored to I32F32).
func fixedAlpha(bma uint64) fx {
	q := fixed.I64F64FromU64(bma).SafeDiv(fixed.I64F64FromU64(1_000_000))
	return fixed.One.Sub(q.ToI32F32())
}

// readBonds is get_bonds_sparse_fixed_proportion followed by
// scalar_vec_mask_sparse_matrix (last_tempo <= registered): it reads stored bonds for Yuma3 (rows < n) as u16 proportions and
// drops columns whose uid registered at or after lastTempo. ascending[i]
// reports whether row i is in strictly ascending column order, below n.
func readBonds(nrn []Neuron, lastTempo uint64, pr *par) (b sparse, ascending []bool) {
	n := len(nrn)
	b = make(sparse, n)
	ascending = make([]bool, n)
	keepCol := bondColumns(nrn, lastTempo)
	pr.rows(n, func(w, from, to int) {
		for i := from; i < to; i++ {
			b[i], ascending[i] = readBondsRow(nrn, keepCol, i, lastTempo, pr.ars[w])
		}
	})
	return b, ascending
}

// bondColumns reports, per uid, whether its bond column is read: the uid
// registered before lastTempo.
func bondColumns(nrn []Neuron, lastTempo uint64) []bool {
	keep := make([]bool, len(nrn))
	for j := range nrn {
		keep[j] = lastTempo > nrn[j].BlockAtRegistration
	}
	return keep
}

// readBondsRow reads uid i's stored bonds row for readBonds; keepCol is
// bondColumns(nrn, lastTempo). It also reports whether the row it returns
// is in strictly ascending column order with every column below n.
func readBondsRow(nrn []Neuron, keepCol []bool, i int, lastTempo uint64, ar *arena) ([]entry, bool) {
	n := len(nrn)
	row := ar.row(len(nrn[i].Bonds))
	asc, prev := true, -1
	for _, c := range nrn[i].Bonds {
		if int(c.UID) >= n {
			asc = asc && lastTempo == 0 // kept below: not below n
			// The chain reads such an entry with registration block 0
			// (dropped only when last_tempo is 0). Every later step ignores
			// columns >= n except the liquid-alpha walk, where the entry
			// stops the walk over its row; keep it for that walk.
			if lastTempo > 0 {
				row = append(row, entry{col: c.UID, val: u16Prop(c.Value)})
			}
			continue
		}
		if !keepCol[c.UID] {
			continue
		}
		asc = asc && int(c.UID) > prev
		prev = int(c.UID)
		row = append(row, entry{col: c.UID, val: u16Prop(c.Value)})
	}
	return row, asc
}

// weightedMedianCols is weighted_median_col_sparse over n columns.
// ascending[i], when ascending is not nil, reports whether row i of w is in
// strictly ascending column order (otherwise the rows are checked).
func weightedMedianCols(stake []fx, w sparse, ascending []bool, n int, majority fx, workers int) []fx {
	return weightedMedianColsClip(stake, w, ascending, n, majority, workers, nil)
}

// clipFused asks weightedMedianColsClip to also take clipTrustRanks' sums
// (validator trust and ranks) of the clipped matrix, column by column while
// each column's scores are laid out for its median, when its dense blocked
// path runs: the clip of a column needs only that column's consensus. It
// does so only under clipTrustRanks' plain sums (plain: the stakes are
// proportions and there are fewer than 2^30 entries), where every term is
// in [0, 1] and no sum can saturate, so any order of the additions gives
// the chain's bits. Rows without stake are not in the median's vectors:
// their trust is left to the caller (clipTrustRows), and they add nothing
// to the ranks (their products with a zero stake are 0). A voter without an
// entry in a column has score 0 there, which clips to 0 and adds nothing.
type clipFused struct {
	// stake is the active stake the ranks multiply (not the median's
	// renormalised stakes); plain reports clipTrustRanks' plain sums.
	stake []fx
	plain bool
	// Set when done: trust of the rows in the median's vectors (0 for the
	// others) and the ranks, n long.
	done         bool
	trust, ranks []fx
}

// weightedMedianColsClip is weightedMedianCols, which also takes the clip's
// sums when cf is not nil (see clipFused).
func weightedMedianColsClip(stake []fx, w sparse, ascending []bool, n int, majority fx, workers int, cf *clipFused) []fx {
	useStake := make([]fx, 0, len(stake))
	for _, s := range stake {
		if s > 0 {
			useStake = append(useStake, s)
		}
	}
	normalize(useStake)
	stakeSum := sum(useStake)
	minority := stakeSum.Sub(majority)
	m := len(useStake)
	part := make([]int, m)
	for k := range part {
		part[k] = k
	}

	// Normalised stakes are proportions and the partition is 0..m-1, so
	// the fast path applies whenever the stake sum is itself at most 1.
	fast := proportions(useStake) && stakeSum >= 0 && stakeSum <= fixed.One
	// median1 is the median of one column's score vector; lo and hi are
	// its smallest and largest score.
	median1 := func(score []fx, lo, hi fx, scratch *medianScratch) fx {
		if fast {
			// The chain's quickselect over the whole range, found by
			// bucketing (same result: see weightedQuantile).
			return weightedQuantile(useStake, score, minority, stakeSum, lo, hi, scratch)
		}
		return weightedMedian(useStake, score, part, minority, 0, stakeSum, scratch)
	}
	// medianFew is median1 for a column in which only the voters ks
	// (distinct) have an entry: the others score 0. When they are few, the
	// quantile is taken over the entries and one element standing for all
	// the zeros (same result: see quantileFew).
	medianFew := func(score []fx, ks []uint16, lo, hi fx, scratch *medianScratch) fx {
		if fast && 4*len(ks) < m {
			return quantileFew(useStake, score, ks, minority, stakeSum, scratch)
		}
		return median1(score, lo, hi, scratch)
	}

	// The rows of positive-stake validators, in uid order: row k of the
	// median's score vectors.
	voters := make([][]entry, 0, m)
	rowOf := make([]int, 0, m) // voter k's row
	sorted, nnz := true, 0
	for i := 0; i < len(stake) && i < len(w); i++ {
		if stake[i] > 0 {
			voters = append(voters, w[i])
			rowOf = append(rowOf, i)
			nnz += len(w[i])
			if ascending != nil {
				sorted = sorted && ascending[i]
			}
			for k := 1; ascending == nil && k < len(w[i]) && sorted; k++ {
				sorted = w[i][k-1].col < w[i][k].col
			}
		}
	}
	if sorted && len(voters) == m {
		var cb *clipBlocks
		if cf != nil && cf.plain && m > 0 && 2*nnz >= n*m {
			cb = &clipBlocks{stake: make([]fx, m), ranks: make([]fx, n)}
			for k, i := range rowOf {
				cb.stake[k] = getFx(cf.stake, i)
			}
		}
		median := medianColsBlocked(voters, n, m, nnz, workers, medianFew, median1, cb)
		if cb != nil {
			cf.done, cf.ranks, cf.trust = true, cb.ranks, make([]fx, len(w))
			for _, part := range cb.trust {
				for k, t := range part {
					cf.trust[rowOf[k]] += t
				}
			}
		}
		return median
	}

	// Transpose the rows of positive-stake validators into per-column lists,
	// keeping row order so that a repeated column keeps its last value.
	count := make([]int, n+1)
	k := 0
	for i := 0; i < len(stake) && i < len(w); i++ {
		if stake[i] > 0 {
			for _, e := range w[i] {
				if int(e.col) < n {
					count[int(e.col)+1]++
				}
			}
		}
	}
	for c := 1; c <= n; c++ {
		count[c] += count[c-1]
	}
	// cells[count[c]:count[c+1]] holds column c as (validator index k, score).
	cellsBuf := getBig(count[n])
	defer bigPool.Put(cellsBuf)
	cells := (*cellsBuf)[:count[n]]
	pos := slices.Clone(count[:n])
	for i := 0; i < len(stake) && i < len(w); i++ {
		if stake[i] > 0 {
			for _, e := range w[i] {
				if int(e.col) < n {
					cells[pos[e.col]] = entry{uint16(k), e.val}
					pos[e.col]++
				}
			}
			k++
		}
	}

	median := make([]fx, n)
	// Columns are independent, so large matrices are split into contiguous
	// column ranges, one per worker; every column is computed exactly as
	// it would be alone, so the result does not depend on the split.
	sweep := func(from, to int) {
		score := make([]fx, m)
		seen := make([]bool, m)
		var ks []uint16
		var scratch medianScratch
		for c := from; c < to; c++ {
			col := cells[count[c]:count[c+1]]
			if len(col) == 0 {
				continue // every score is 0, so the median is 0
			}
			ks = ks[:0]
			for _, x := range col {
				score[x.col] = x.val
				if !seen[x.col] {
					seen[x.col] = true
					ks = append(ks, x.col)
				}
			}
			if fast && 4*len(ks) < m {
				median[c] = quantileFew(useStake, score, ks, minority, stakeSum, &scratch)
			} else {
				lo, hi := minMax(score)
				median[c] = median1(score, lo, hi, &scratch)
			}
			for _, x := range col {
				score[x.col], seen[x.col] = 0, false
			}
		}
	}
	if len(cells) < 1<<16 || workers < 2 {
		sweep(0, n)
		return median
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		from, to := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			sweep(from, to)
		}()
	}
	wg.Wait()
	return median
}

// medianColsBlocked is the column sweep for voter rows whose columns are
// in strictly ascending order (what set_weights submissions usually are): columns
// are taken in blocks, each block's scores are laid out densely (one
// contiguous m-vector per column) by advancing a cursor along every row, and
// each column's median is taken from its vector. It fills the same score
// vectors as the transpose path (a repeated column keeps its last value,
// columns >= n are ignored), so it returns the same medians.
func medianColsBlocked(voters [][]entry, n, m, nnz, workers int, medianFew func([]fx, []uint16, fx, fx, *medianScratch) fx, median1 func([]fx, fx, fx, *medianScratch) fx, cb *clipBlocks) []fx {
	// 256 columns per block: the fastest of 32 to 256 on the dense 4096 × 256
	// epoch (longer runs along each row).
	const block = medianBlock
	// A dense matrix (at least half the scores present) is gathered without
	// per-entry bookkeeping.
	dense := m > 0 && 2*nnz >= n*m
	median := make([]fx, n)
	blocks := (n + block - 1) / block
	// sweep computes the medians of the blocks that take() hands out, in
	// increasing order.
	if !dense {
		cb = nil // the clip's sums are taken on the dense path only
	}
	var mu sync.Mutex
	sweep := func(take func() (int, bool)) {
		var trust []fx // this worker's share of the voters' trust
		if cb != nil {
			trust = make([]fx, m)
			defer func() {
				mu.Lock()
				cb.trust = append(cb.trust, trust)
				mu.Unlock()
			}()
		}
		stride := m
		if dense {
			stride = m + 8
		}
		buf := make([]fx, block*stride)
		ks := make([]uint16, block*m) // column j's voters: ks[j*m : j*m+cnt[j]]
		cursor := make([]int, m)
		// Per column of the block: how many voters have an entry (each at
		// most one: the rows are strictly ascending) and the entries'
		// smallest and largest values, so that the median needs no pass
		// of its own to find them.
		var cnt [block]int
		var cmin, cmax [block]fx
		var scratch medianScratch
		at := -1 // the block the cursors are at
		for {
			b, ok := take()
			if !ok {
				return
			}
			if b != at {
				start := uint16(min(b*block, n))
				for k, row := range voters {
					cursor[k] = firstAtOrAbove(row, start, n)
				}
			}
			at = b + 1
			lo, hi := b*block, min((b+1)*block, n)
			if dense {
				// Only the scores are laid out, column j's at
				// buf[j*stride:][:m]: each row writes every column of the
				// block, 0 where it has no entry (no clearing pass), and
				// each column's extremes and voters are found from its
				// vector (denseColumn). The stride is padded so that
				// consecutive columns do not alias in the cache.
				gatherDense(voters, cursor, buf, lo, hi, stride)
				for j := 0; j < hi-lo; j++ {
					col := buf[j*stride : j*stride+m]
					c := denseColumn(col, ks[:0], &scratch, medianFew, median1)
					median[lo+j] = c
					if cb != nil {
						cb.ranks[lo+j] = clipColumn(col, c, cb.stake, trust)
					}
				}
				continue
			}
			clear(buf[:(hi-lo)*m])
			cnt = [block]int{}
			for k, row := range voters {
				c := cursor[k]
				for c < len(row) && int(row[c].col) < hi {
					j := int(row[c].col) - lo
					v := row[c].val
					buf[j*m+k] = v
					ks[j*m+cnt[j]] = uint16(k)
					if cnt[j] == 0 {
						cmin[j], cmax[j] = v, v
					}
					cmin[j], cmax[j] = min(cmin[j], v), max(cmax[j], v)
					cnt[j]++
					c++
				}
				cursor[k] = c
			}
			for j := 0; j < hi-lo; j++ {
				if cnt[j] == 0 {
					continue // every score is 0, and so is the median
				}
				if cnt[j] < m { // the voters without an entry score 0
					cmin[j], cmax[j] = min(cmin[j], 0), max(cmax[j], 0)
				}
				median[lo+j] = medianFew(buf[j*m:(j+1)*m], ks[j*m:j*m+cnt[j]], cmin[j], cmax[j], &scratch)
			}
		}
	}
	// Blocks are handed out one at a time, so that a worker slowed down
	// by another process leaves its share to the others.
	var next atomic.Int64
	take := func() (int, bool) {
		b := int(next.Add(1)) - 1
		return b, b < blocks
	}
	if nnz < 1<<16 || workers < 2 || blocks < 2 {
		sweep(take)
		return median
	}
	workers = min(workers, blocks)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sweep(take)
		}()
	}
	wg.Wait()
	return median
}

// clipBlocks is what medianColsBlocked needs and gives for clipFused: the
// voters' active stakes, each worker's trust of the voters (m long) and the
// ranks (n long).
type clipBlocks struct {
	stake []fx
	trust [][]fx
	ranks []fx
}

// clipColumn is col_clip_sparse, row_sum_sparse and matmul_sparse for one
// column laid out as the voters' scores (0 for a voter without an entry),
// under clipTrustRanks' plain sums: each score above the consensus c is
// clipped to it (dropped when c is not positive), added to its voter's
// trust, and its product with the voter's stake added to the column's rank,
// which it returns. Scores, stakes and c are in [0, 1] (see clipFused).
func clipColumn(col []fx, c fx, stake, trust []fx) fx {
	var r fx
	stake, trust = stake[:len(col)], trust[:len(col)]
	if c > 0 && c < fixed.One {
		// The common case, branch-free: nothing is dropped, and each
		// product has a factor below 1 (v <= c), so it is below 2^64.
		var ur uint64
		for k, e := range col {
			v := min(e, c)
			trust[k] += v
			ur += uint64(stake[k]) * uint64(v) >> 32
		}
		return fx(ur)
	}
	for k, e := range col {
		if c <= 0 && c < e {
			continue
		}
		v := min(e, c)
		trust[k] += v
		r += stake[k].Mul(v)
	}
	return r
}

// clipTrustRows is validator trust (row_sum_sparse of the clipped rows)
// for the rows of w that clipFused left out, those without stake, under
// clipTrustRanks' plain sums.
func clipTrustRows(w sparse, stake, c, trust []fx) {
	for i, row := range w {
		if getFx(stake, i) > 0 {
			continue
		}
		var t fx
		for _, e := range row {
			th := getFx(c, int(e.col))
			if th <= 0 && th < e.val {
				continue
			}
			t += min(e.val, th)
		}
		trust[i] = t
	}
}

// medianBlock is the number of columns medianColsBlocked takes per block.
const medianBlock = 256

// gatherDense lays the columns [lo, hi) of the voters' rows (strictly
// ascending) out for medianColsBlocked's dense case: voter k's score in
// column j at buf[(j-lo)*stride+k], 0 where it has no entry, every slot of
// the block written. cursor[k] is where row k's entries for the block start;
// it is advanced past them.
func gatherDense(voters [][]entry, cursor []int, buf []fx, lo, hi, stride int) {
	// Eight voters at a time: their rows are expanded into tmp (row
	// order, sequential writes), then written out column by column, eight
	// consecutive slots (one cache line) per column instead of one slot in
	// each of the block's columns per voter.
	const tile = 8
	var tmp [tile][medianBlock]fx
	w := hi - lo
	for k0 := 0; k0 < len(voters); k0 += tile {
		t := min(tile, len(voters)-k0)
		for r := 0; r < t; r++ {
			k := k0 + r
			row, c := voters[k], cursor[k]
			dst := tmp[r][:w]
			if c+w <= len(row) && int(row[c].col) == lo && int(row[c+w-1].col) == hi-1 {
				// Every column of the block present (the row is
				// strictly ascending): a straight copy.
				for j, e := range row[c : c+w] {
					dst[j] = e.val
				}
				cursor[k] = c + w
				continue
			}
			clear(dst)
			for c < len(row) && int(row[c].col) < hi {
				dst[int(row[c].col)-lo] = row[c].val
				c++
			}
			cursor[k] = c
		}
		if t == tile {
			for j := 0; j < w; j++ {
				out := buf[j*stride+k0:][:tile]
				out[0], out[1], out[2], out[3] = tmp[0][j], tmp[1][j], tmp[2][j], tmp[3][j]
				out[4], out[5], out[6], out[7] = tmp[4][j], tmp[5][j], tmp[6][j], tmp[7][j]
			}
			continue
		}
		for j := 0; j < w; j++ {
			for r := 0; r < t; r++ {
				buf[j*stride+k0+r] = tmp[r][j]
			}
		}
	}
}

// clipRowInPlace is clipTrustRanks' common case for one row written out:
// plain sums (the stakes are proportions and there are fewer than 2^30
// entries), the row clipped in place, the consensus c and the ranks both n
// long. It returns the row's trust and how many entries it keeps.
func clipRowInPlace(row []entry, c []fx, s fx, ranks []fx) (t fx, m int) {
	for _, e := range row {
		j := int(e.col)
		var th fx
		if j < len(c) {
			th = c[j]
		}
		if th <= 0 && th < e.val {
			continue
		}
		v := min(e.val, th)
		t += v
		if j < len(ranks) {
			ranks[j] += s.Mul(v)
		}
		row[m] = entry{e.col, v}
		m++
	}
	return t, m
}

// clipTrustRanks fuses col_clip_sparse (entries above their column
// consensus are clipped to it, and dropped when the consensus is not
// positive), row_sum_sparse of the clipped rows (validator trust) and
// matmul_sparse of the clipped matrix with the active stake (ranks). When
// out is non-nil the clipped rows are stored in it; out may be w itself.
//
// The rows are those readWeightsRow builds: each value is a u16 divided by
// the (saturating, so at least as large) sum of its non-negative row, or
// 0, hence in [0, 1], and clipping only lowers it. When the stakes are
// proportions too, every term added lies in [0, 1], and with fewer than
// 2^30 entries in all no sum can reach 2^62: the chain's saturating adds
// cannot saturate and plain adds give the same bits. Otherwise the
// saturating adds are used.
func clipTrustRanks(w sparse, c, stake []fx, out sparse, n int, pr *par) (trust, ranks []fx) {
	trust = make([]fx, len(w))
	parts := pr.partials(n)
	total := 0
	for _, row := range w {
		total += len(row)
	}
	plain := total < 1<<30 && proportions(stake)
	// fast: plain sums, clipping in place, one consensus per column.
	fast := plain && len(c) == n && len(w) > 0 && len(out) > 0 && &out[0] == &w[0]
	pr.rows(len(w), func(wk, from, to int) {
		ranks := parts[wk]
		for i := from; i < to; i++ {
			row := w[i]
			var r []entry
			if out != nil {
				if &out[0] == &w[0] {
					r = row // in place: writes never overtake reads
				} else {
					r = pr.ars[wk].row(len(row))[:len(row)]
				}
			}
			s := getFx(stake, i)
			var t fx
			m := 0
			if fast {
				var m int
				trust[i], m = clipRowInPlace(row, c[:n], s, ranks[:n])
				out[i] = row[:m]
				continue
			}
			for _, e := range row {
				th := getFx(c, int(e.col))
				// col_clip_sparse: min(value, threshold), the entry dropped
				// when it is clipped to a threshold <= 0. Tested in this
				// order, the (rare) non-positive threshold comes first and
				// the min compiles without a branch: whether a weight is
				// above its consensus is a coin flip the CPU cannot predict.
				if th <= 0 && th < e.val {
					continue
				}
				v := min(e.val, th)
				if plain {
					t += v
					if int(e.col) < n {
						ranks[e.col] += s.Mul(v)
					}
				} else {
					t = t.Add(v)
					if int(e.col) < n {
						ranks[e.col] = ranks[e.col].Add(s.Mul(v))
					}
				}
				if r != nil {
					r[m] = entry{e.col, v}
					m++
				}
			}
			trust[i] = t
			if out != nil {
				out[i] = r[:m]
			}
		}
	})
	return trust, sumPartials(parts)
}

// interpolate is interpolate_sparse: a + ratio*(b - a) per cell, positives kept.
func interpolate(a, b sparse, n int, ratio fx, ar *arena) sparse {
	if ratio == 0 {
		return a
	}
	if ratio == fixed.One {
		return b
	}
	out := make(sparse, len(a))
	r1, r2 := make([]fx, n), make([]fx, n)
	touched := make([]bool, n)
	cols := make([]uint16, 0, 64)
	for i := range a {
		cols = cols[:0]
		for _, e := range a[i] {
			if int(e.col) < n {
				r1[e.col] = e.val
				if !touched[e.col] {
					touched[e.col] = true
					cols = append(cols, e.col)
				}
			}
		}
		for _, e := range b[i] {
			if int(e.col) < n {
				r2[e.col] = e.val
				if !touched[e.col] {
					touched[e.col] = true
					cols = append(cols, e.col)
				}
			}
		}
		cols = sortTouched(cols, touched)
		row := ar.row(len(cols))
		for _, j := range cols {
			v := r1[j].Add(ratio.Mul(r2[j].Sub(r1[j])))
			if v > 0 {
				row = append(row, entry{j, v})
			}
			r1[j], r2[j], touched[j] = 0, 0, false
		}
		out[i] = row
	}
	return out
}

// matEMA is mat_ema_sparse: per row alpha*new + (1-alpha)*old, accumulated
// densely over n columns, positives kept in column order.
// When colSums is non-nil, worker w adds the values it emits to colSums[w].
func matEMA(newM, oldM sparse, alpha fx, n int, pr *par, colSums [][]fx) sparse {
	oneMinus := fixed.One.Sub(alpha)
	out := make(sparse, len(newM))
	accs := make([]*denseAcc, pr.workers)
	pr.rows(len(newM), func(w, from, to int) {
		ar := pr.ars[w]
		var colSum []fx
		if colSums != nil {
			colSum = colSums[w]
		}
		da := perWorker(accs, w, func() *denseAcc { return newDenseAcc(n) })
		acc, touched := da.acc, da.touched
		for i := from; i < to; i++ {
			cols := da.cols[:0]
			var old []entry
			if i < len(oldM) {
				old = oldM[i]
			}
			// A dense row scans the whole accumulator (an untouched column
			// is 0 and is not emitted); a sparse one tracks its columns.
			dense := len(newM[i])+len(old) > n/8
			cols = cols[:0]
			for _, e := range newM[i] {
				if int(e.col) < n {
					acc[e.col] = acc[e.col].Add(alpha.Mul(e.val))
					if !dense && !touched[e.col] {
						touched[e.col] = true
						cols = append(cols, e.col)
					}
				}
			}
			for _, e := range old {
				if int(e.col) < n {
					acc[e.col] = acc[e.col].Add(oneMinus.Mul(e.val))
					if !dense && !touched[e.col] {
						touched[e.col] = true
						cols = append(cols, e.col)
					}
				}
			}
			emit := func(row []entry, j int) []entry {
				if v := acc[j]; v > 0 {
					row = append(row, entry{uint16(j), v})
					if colSum != nil {
						colSum[j] = colSum[j].Add(v)
					}
				}
				return row
			}
			var row []entry
			if dense {
				row = ar.row(min(n, len(newM[i])+len(old)))
				for j := range acc {
					row = emit(row, j)
				}
				clear(acc)
			} else {
				cols = sortTouched(cols, touched)
				row = ar.row(len(cols))
				for _, j := range cols {
					row = emit(row, int(j))
					acc[j], touched[j] = 0, false
				}
			}
			da.cols = cols
			out[i] = row
		}
	})
	return out
}

func toU16(v []fx) []uint16 {
	out := make([]uint16, len(v))
	for i, x := range v {
		out[i] = fixed.ProportionToU16(x)
	}
	return out
}

func toRao(v []fx, rao uint64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = fixed.RaoOf(x, rao)
	}
	return out
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}

func satSub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// lastCol is one column's constants for the last pass of either bond
// model, in one 32-byte record: the reciprocal (multiplier nm, shift ns) of
// divisor.quick for the EMA's column normalisation, that (um, us) of the
// original model's max-upscale, the column's incentive, and ok: the quick
// paths apply (both of them for the original model) and the incentive is
// in [0, 1], which is what lastRowQuick and yuma3RowQuick assume.
type lastCol struct {
	nm, um uint64
	inc    fx
	ns, us uint8
	ok     bool
}

// newLastCol makes the record of a column from its normalisation divisor,
// its max-upscale divisor (nil for Yuma3) and its incentive.
func newLastCol(norm, up *divisor, inc fx) lastCol {
	lc := lastCol{nm: norm.sm, ns: norm.ss, inc: inc}
	lc.ok = norm.smallOK && inc >= 0 && inc <= fixed.One
	if up != nil {
		lc.um, lc.us = up.sm, up.ss
		lc.ok = lc.ok && up.smallOK
	}
	return lc
}

// packedCols reports whether a matrix of entries entries over n columns
// has reciprocal divisors (columnDivisors), which is when the per-column
// records of the hot loops (emaCol, lastCol) pay for themselves; a sparser
// matrix divides with SafeDiv and reads the divisors directly.
func packedCols(entries, n int) bool { return entries >= minReciprocalUse*n }

// quickOf is ec[j].delta.quick(d), declining when there is no ec.
func quickOf(ec []emaCol, j uint16, d fx) (fx, bool) {
	if ec == nil {
		return 0, false
	}
	return ec[j].delta.quick(d)
}

// emaCol is one column's constants for emaRowMerged: ΔB's normalisation
// (divisor.quick of the column sum of ΔB), the stored bonds' normalisation
// (divisor.quickInt of their integer column sum) and whether the stored
// bond column is read (bondColumns).
type emaCol struct {
	delta    fastDiv
	bm       uint64
	bs, bpre uint8
	bok      bool
	keep     bool
	fast     bool // keep && delta.ok && bok: both quick paths apply
}

// denseAcc is a worker's n-long accumulator for the rows of an EMA that
// cannot be merged: the accumulator, which columns hold a value, and those
// columns (cleared after each row).
type denseAcc struct {
	acc     []fx
	touched []bool
	cols    []uint16
}

func newDenseAcc(n int) *denseAcc {
	return &denseAcc{acc: make([]fx, n), touched: make([]bool, n), cols: make([]uint16, 0, 64)}
}

// colAgg is a column's running sum and maximum of the EMA's values.
type colAgg struct{ sum, max fx }

// emaAligned is emaRowMerged's common case of a dense subnet, in a leaf
// function of its own so that its loop keeps its values in registers: from
// the start of wr and bonds, while a weight (clipped to work's consensus,
// and not dropped by the clip) and a read bond sit on the same column, both
// are normalised by their quick paths and their EMA alpha·ΔB_norm +
// (1-alpha)·B_norm is positive, it writes that value to out (by the loop's
// index: every entry it takes is kept) and to the column's running sum and
// maximum in work, and returns how many entries it took. Anything else is
// left to the general step.
//
// The caller guarantees 0 < alpha < 1 and 0 <= s < 1. Then every product
// is of two non-negative values, one of them below 1 and the other at most
// 1, so it is below 2^64 and its floor is the plain 64-bit product shifted
// (what Mul gives); a weight above 1 or a quotient above 1 (neither occurs:
// weights are normalised, and each ΔB and bond is a term of its column's
// sum) leaves the loop instead. The two terms of the sum are at most 1, so
// the chain's saturating add is a plain add. A stored bond of 0 gives 0 on
// the quick path as SafeDiv does.
func emaAligned(wr []entry, bonds []Cell, out []entry, s, alpha, oneMinus fx, work []emaWork) int {
	// The loop keeps only k live besides its inputs: the caller advances
	// its own indices by the count returned (state carried through the loop
	// was spilled and reloaded on every iteration).
	n := min(len(wr), len(bonds), len(out))
	wr, bonds, out = wr[:n], bonds[:n], out[:n]
	us, ua, uo := uint64(s), uint64(alpha), uint64(oneMinus)
	for k, e := range wr {
		c := bonds[k]
		if e.col != c.UID || uint64(e.val) > 1<<32 {
			return k
		}
		x := &work[e.col]
		th := x.cons
		if th <= 0 && th < e.val {
			return k // dropped by the clip: the general step skips it
		}
		d := uint64(min(e.val, th)) * us >> 32 // e.val clipped, .Mul(s)
		if !x.fast || d >= 1<<31 {
			return k
		}
		hd, _ := bits.Mul64(d<<32, x.delta.m)
		hb, _ := bits.Mul64(uint64(c.Value)<<32>>(x.bpre&63), x.bm)
		qd, qb := hd>>(x.delta.shift&63), hb>>(x.bs&63)
		if qd > 1<<32 || qb > 1<<32 {
			return k
		}
		v := fx(ua*qd>>32 + uo*qb>>32)
		if v <= 0 {
			return k // not kept: the general step skips it
		}
		out[k] = entry{e.col, v}
		// A plain add: the aligned values of a column are at most 2
		// each, in at most 65535 rows, so their sum stays below 2^49
		// (the chain's saturating add of non-negative terms is the
		// same; the partials are combined with it).
		x.sum += v
		x.max = max(x.max, v)
	}
	return n
}

// clipEntry is col_clip_sparse for one entry of W when cons is not nil:
// the entry with its value clipped to its column's consensus, and false
// when the clip drops it (a consensus that is not positive, below the
// value); the entry unchanged when cons is nil. The column must be below
// len(cons).
func clipEntry(e entry, cons []fx) (entry, bool) {
	if cons == nil {
		return e, true
	}
	th := cons[e.col]
	if th <= 0 && th < e.val {
		return e, false
	}
	return entry{e.col, min(e.val, th)}, true
}

// firstAtOrAbove returns the index of the first entry of row (strictly
// ascending columns) whose column is at least c. Columns are distinct, so
// the entry at index i has column at least i and the answer is at most c;
// when every column is below n, at most n-len(row) columns below c are
// missing, so it is at least c-(n-len(row)). A dense row (len(row) = n) is
// answered without a search, a nearly dense one in a short window.
func firstAtOrAbove(row []entry, c uint16, n int) int {
	lo, hi := 0, min(int(c), len(row))
	if len(row) > 0 && int(row[len(row)-1].col) < n {
		lo = min(max(int(c)-(n-len(row)), 0), hi)
	}
	for lo < hi { // first index in [lo, hi) with column >= c, else hi
		mid := int(uint(lo+hi) >> 1)
		if row[mid].col < c {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// emaWork is a worker's copy of a column's emaCol for emaAligned, with the
// sum and the maximum of the EMA values it keeps in that column: what the
// loop reads and writes per entry, in one 64-byte record.
type emaWork struct {
	emaCol
	sum, max fx
	// cons is the consensus the weights are clipped to (clipCons), or
	// MaxI32F32 when they are not clipped.
	cons fx
	_    [8]byte
}

// emaRowMerged is one row of originalBonds' EMA for a weights row wr and a
// stored bonds row, both in strictly ascending column order (wr's columns
// below n): the accumulator of mat_ema_sparse holds 0 + alpha·ΔB and then
// + (1-alpha)·B at the columns of the two rows, so merging them gives the
// same values in the same column order without the accumulator. s is the
// row's active stake; ec holds the columns' constants, with deltaDiv and
// bondDiv behind them for the cases their quick paths decline; the kept
// values are added to agg.
func emaRowMerged(wr []entry, bonds []Cell, s, alpha, oneMinus fx, ec []emaCol, work []emaWork, keepCol []bool, deltaDiv, bondDiv []divisor, agg []colAgg, clipCons []fx, ar *arena) []entry {
	n := len(keepCol)
	row := ar.row(min(n, len(wr)+len(bonds)))
	// bond is B_norm: the stored u16 over its integer column sum.
	bond := func(c Cell) fx {
		b := fixed.FromU16(c.Value)
		if ec != nil {
			if k := &ec[c.UID]; b >= 1<<32 && k.bok {
				h, _ := bits.Mul64(uint64(b)>>k.bpre, k.bm)
				return fx(h >> k.bs)
			}
		}
		return divSlow(&bondDiv[c.UID], b)
	}
	// emaAligned's preconditions (the default alpha is 0.1; s < 1 unless
	// one validator holds all the active stake).
	aligned := work != nil && alpha > 0 && alpha < fixed.One && s >= 0 && s < fixed.One
	wi, bi := 0, 0
	for wi < len(wr) || bi < len(bonds) {
		// The common case of a dense subnet first, in a loop of its own:
		// a weight and a read bond on the same column, both normalised by
		// their quick paths (the default case below, written out). Anything
		// else leaves it for the general step.
		if aligned {
			m := len(row)
			k := emaAligned(wr[wi:], bonds[bi:], row[m:cap(row)], s, alpha, oneMinus, work)
			wi, bi, row = wi+k, bi+k, row[:m+k]
		}
		if wi == len(wr) && bi == len(bonds) {
			break
		}
		// we is W_b's entry at wi (clipped when clipCons is set; a
		// weight the clip drops is skipped here).
		var we entry
		if wi < len(wr) {
			var keep bool
			if we, keep = clipEntry(wr[wi], clipCons); !keep {
				wi++
				continue
			}
		}
		var j uint16
		var v fx
		switch {
		case bi < len(bonds) && !(int(bonds[bi].UID) < n && keepCol[bonds[bi].UID]):
			bi++ // a stored bond column that is not read
			continue
		case bi == len(bonds) || wi < len(wr) && wr[wi].col < bonds[bi].UID:
			e := we // a weight without a bond
			d := e.val.Mul(s)
			if q, ok := quickOf(ec, e.col, d); ok {
				d = q
			} else {
				d = divSlow(&deltaDiv[e.col], d)
			}
			j, v = e.col, alpha.Mul(d)
			wi++
		case wi == len(wr) || bonds[bi].UID < wr[wi].col:
			c := bonds[bi] // a bond without a weight
			j, v = c.UID, fx(0).Add(oneMinus.Mul(bond(c)))
			bi++
		default:
			e, c := we, bonds[bi] // both
			d := e.val.Mul(s)
			if q, ok := quickOf(ec, e.col, d); ok {
				d = q
			} else {
				d = divSlow(&deltaDiv[e.col], d)
			}
			j, v = e.col, alpha.Mul(d).Add(oneMinus.Mul(bond(c)))
			wi++
			bi++
		}
		if v > 0 {
			row = append(row, entry{j, v})
			agg[j].sum = agg[j].sum.Add(v)
			agg[j].max = agg[j].max.Max(v)
		}
	}
	return row
}

// denseColumn is medianColsBlocked's median of one column laid out as the
// full score vector of the voters (0 for a voter without an entry). It
// finds the vector's extremes and how many voters score non-zero in one
// pass. medianFew (the median of a column where only the voters ks have an
// entry) takes the few-voters path only when fewer than a quarter of the
// voters are in ks, and median1 otherwise; so with many non-zero scores
// median1 is called directly, and with few the non-zero voters are
// collected into ks (whose capacity must be at least len(score)) for
// medianFew. That is the same as the per-entry bookkeeping of the sparse
// gather: the extremes are those of the entries together with 0 when a
// voter has no entry, and the few-voters result depends only on the scores
// and the stake at or below each score, so a voter whose entry is 0 may be
// counted with the voters without an entry (see quantileFew). A column of
// zeros has median 0.
func denseColumn(score []fx, ks []uint16, scratch *medianScratch, medianFew func([]fx, []uint16, fx, fx, *medianScratch) fx, median1 func([]fx, fx, fx, *medianScratch) fx) fx {
	lo, hi, nz := scanColumn(score)
	if lo == 0 && hi == 0 {
		return 0
	}
	if 4*nz >= len(score) {
		return median1(score, lo, hi, scratch)
	}
	for k, v := range score {
		if v != 0 {
			ks = append(ks, uint16(k))
		}
	}
	return medianFew(score, ks, lo, hi, scratch)
}

// scanColumn returns the smallest and the largest of a non-empty score
// vector and how many of its scores are not 0: denseColumn's pass, in a
// leaf function kept out of line so that its loop keeps its values in
// registers.
//
//go:noinline
func scanColumn(score []fx) (lo, hi fx, nz int) {
	lo, hi = score[0], score[0]
	for _, v := range score {
		lo, hi = min(lo, v), max(hi, v)
		nz += int(uint64(v|-v) >> 63) // 1 when v != 0
	}
	return lo, hi, nz
}

// permittedRowsIn makes the stored bond rows [from, to) in out: for a row
// in permit, room for its EMA row's cells, carved from one allocation for
// the range (each row's capacity capped at its length); an empty row
// otherwise. The last passes call it for each of their chunks, so that the
// cells are allocated (and zeroed) on the workers rather than before the
// pass on one goroutine.
func permittedRowsIn(ema sparse, newPermit []bool, out [][]Cell, from, to int) {
	total := 0
	for i := from; i < to; i++ {
		if newPermit[i] {
			total += len(ema[i])
		}
	}
	all := make([]Cell, total)
	for i := from; i < to; i++ {
		if !newPermit[i] {
			out[i] = []Cell{}
			continue
		}
		row := ema[i]
		out[i], all = all[:len(row):len(row)], all[len(row):]
	}
}
