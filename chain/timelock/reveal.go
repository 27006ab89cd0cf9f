package timelock

import (
	"math"
	"time"
)

// RevealSchedule holds the chain values the reveal round depends on. All of
// them come from chain state; none is read from the environment.
type RevealSchedule struct {
	// Netuid is the subnet's storage index: mecid*4096 + netuid (equal to the
	// netuid for mechanism 0), as the SDK passes it.
	Netuid uint16
	// Tempo is the subnet's tempo in blocks.
	Tempo uint16
	// CurrentBlock is the chain's current block number.
	CurrentBlock uint64
	// RevealPeriodEpochs is storage RevealPeriodEpochs(netuid).
	RevealPeriodEpochs uint64
	// BlockTime is the chain's block time; zero means DefaultBlockTime.
	BlockTime time.Duration
}

// DefaultBlockTime is the SDK's default block time (Bittensor mainnet).
const DefaultBlockTime = 12 * time.Second

// revealSecurityBlocks is how many blocks into the reveal epoch the SDK aims
// the pulse, so it is stored before the chain looks for it.
const revealSecurityBlocks = 3

// FirstRevealBlock returns the first block of the epoch in which a commit made
// at s.CurrentBlock is revealed, with the legacy epoch formula the SDK
// (bittensor-drand generate_commit) uses:
//
//	current_epoch = (block + netuid + 1) / (tempo + 1)
//	reveal_epoch  = current_epoch + reveal_period
//	first_reveal  = reveal_epoch*(tempo+1) - (netuid+1)
//
// Arithmetic saturates as the SDK's does.
func (s RevealSchedule) FirstRevealBlock() uint64 {
	tempoPlusOne := uint64(s.Tempo) + 1
	netuidPlusOne := uint64(s.Netuid) + 1
	currentEpoch := satAdd(s.CurrentBlock, netuidPlusOne) / tempoPlusOne
	revealEpoch := satAdd(currentEpoch, s.RevealPeriodEpochs)
	return satSub(satMul(revealEpoch, tempoPlusOne), netuidPlusOne)
}

// RevealRound returns the drand quicknet round the SDK encrypts a commit to when
// it is made at s.CurrentBlock and the wall clock reads now: the last round
// published by the time the chain reaches FirstRevealBlock()+3, assuming
// BlockTime per block:
//
//	secs  = (first_reveal + 3 - block) * block_time
//	round = floor((now + secs - genesis) / period), at least 1
//
// now is an argument so the function is pure; callers pass time.Now() (the SDK
// uses the local clock the same way). Seconds are float64 as in the SDK.
func RevealRound(s RevealSchedule, now time.Time) uint64 {
	blockTime := s.BlockTime
	if blockTime == 0 {
		blockTime = DefaultBlockTime
	}
	target := satAdd(s.FirstRevealBlock(), revealSecurityBlocks)
	blocks := satSub(target, s.CurrentBlock)
	secs := float64(blocks) * blockTime.Seconds()
	// Rust's Duration::as_secs_f64: whole seconds plus nanos/1e9.
	nowSecs := float64(now.Unix()) + float64(now.Nanosecond())/1e9
	round := math.Floor((nowSecs + secs - QuicknetGenesisTime) / QuicknetPeriodSeconds)
	// Rust's float-to-int cast saturates (negative and NaN give 0); then the
	// SDK raises anything below 1 to 1.
	switch {
	case !(round >= 1):
		return 1
	case round >= math.MaxUint64:
		return math.MaxUint64
	default:
		return uint64(round)
	}
}

// RoundAt returns the latest quicknet round published at or before t (0 before
// genesis). Round 1 was published at QuicknetGenesisTime.
func RoundAt(t time.Time) uint64 {
	d := t.Unix() - QuicknetGenesisTime
	if d < 0 {
		return 0
	}
	return uint64(d)/QuicknetPeriodSeconds + 1
}

// RoundTime returns when quicknet publishes round (round 0 maps to genesis).
// Rounds past 2^40 (about 100,000 years away) are clamped to 2^40.
func RoundTime(round uint64) time.Time {
	const maxRound = 1 << 40
	round = min(max(round, 1), maxRound)
	return time.Unix(QuicknetGenesisTime+int64(round-1)*QuicknetPeriodSeconds, 0).UTC()
}

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

func satSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func satMul(a, b uint64) uint64 {
	if a != 0 && b > math.MaxUint64/a {
		return math.MaxUint64
	}
	return a * b
}
