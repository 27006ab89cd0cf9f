package timelock

import (
	"math"
	"testing"
	"time"
)

func TestRevealSchedule_FirstRevealBlock(t *testing.T) {
	cases := []struct {
		name string
		s    RevealSchedule
		want uint64
	}{
		// (1000+2)/361 = 2; reveal epoch 3; 3*361-2 = 1081.
		{"netuid 1 tempo 360", RevealSchedule{Netuid: 1, Tempo: 360, CurrentBlock: 1000, RevealPeriodEpochs: 1}, 1081},
		// (40+3)/11 = 3; reveal epoch 4; 44-3 = 41.
		{"harness netuid 2 tempo 10", RevealSchedule{Netuid: 2, Tempo: 10, CurrentBlock: 40, RevealPeriodEpochs: 1}, 41},
		// The epoch block 51 itself: (51+3)/11 = 4; 5*11-3 = 52.
		{"commit in epoch block", RevealSchedule{Netuid: 2, Tempo: 10, CurrentBlock: 51, RevealPeriodEpochs: 1}, 52},
		// Reveal period 0: the current epoch's own first block (in the past).
		{"period 0", RevealSchedule{Netuid: 0, Tempo: 99, CurrentBlock: 250, RevealPeriodEpochs: 0}, 199},
		// (1000+4098)/361 = 14; reveal epoch 16; 16*361-4098 = 1678.
		{"mechanism storage index", RevealSchedule{Netuid: 4096 + 1, Tempo: 360, CurrentBlock: 1000, RevealPeriodEpochs: 2}, 1678},
		{"saturates", RevealSchedule{Netuid: 1, Tempo: 360, CurrentBlock: math.MaxUint64, RevealPeriodEpochs: math.MaxUint64}, math.MaxUint64 - 2},
	}
	for _, c := range cases {
		if got := c.s.FirstRevealBlock(); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func TestRevealRound(t *testing.T) {
	at := func(sec int64, nsec int64) time.Time { return time.Unix(QuicknetGenesisTime+sec, nsec) }
	base := RevealSchedule{Netuid: 1, Tempo: 360, CurrentBlock: 1000, RevealPeriodEpochs: 1}
	fast := base
	fast.BlockTime = 250 * time.Millisecond
	cases := []struct {
		name string
		s    RevealSchedule
		now  time.Time
		want uint64
	}{
		// target block 1084: 84 blocks * 12 s = 1008 s; (3000+1008)/3 = 1336.
		{"default block time", base, at(3000, 0), 1336},
		// 84 * 0.25 = 21 s; (3000+21)/3 = 1007.
		{"fast blocks", fast, at(3000, 0), 1007},
		// (3002.999999+1008)/3 = 1336.99999 floors to 1336; at 3003 s it is 1337.
		{"floors fractions", base, at(3002, 999_999_000), 1336},
		{"next round", base, at(3003, 0), 1337},
		{"before genesis clamps to 1", base, at(-1_000_000, 0), 1},
		// tempo 0: epoch = block+1 = 6, first reveal 5, target 8: 3 blocks, 36 s, round 12.
		{"at genesis", RevealSchedule{Tempo: 0, CurrentBlock: 5}, at(0, 0), 12},
	}
	for _, c := range cases {
		if got := RevealRound(c.s, c.now); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func TestRevealRound_Monotonic(t *testing.T) {
	s := RevealSchedule{Netuid: 3, Tempo: 99, CurrentBlock: 123456, RevealPeriodEpochs: 1}
	now := time.Unix(1_760_000_000, 0)
	prev := RevealRound(s, now)
	for i := 1; i < 2000; i++ {
		r := RevealRound(s, now.Add(time.Duration(i)*time.Second))
		if r < prev {
			t.Fatalf("round went back at +%ds: %d < %d", i, r, prev)
		}
		prev = r
	}
	// The chosen round is published no later than the target block's time.
	r := RevealRound(s, now)
	target := s.FirstRevealBlock() + 3
	targetTime := now.Add(time.Duration(target-s.CurrentBlock) * DefaultBlockTime)
	if RoundTime(r).After(targetTime) {
		t.Errorf("round %d is published at %v, after the target %v", r, RoundTime(r), targetTime)
	}
}

func TestRoundAt(t *testing.T) {
	g := time.Unix(QuicknetGenesisTime, 0)
	cases := []struct {
		t    time.Time
		want uint64
	}{
		{g.Add(-time.Second), 0}, {g, 1}, {g.Add(2 * time.Second), 1}, {g.Add(3 * time.Second), 2},
		{RoundTime(657413), 657413},
	}
	for _, c := range cases {
		if got := RoundAt(c.t); got != c.want {
			t.Errorf("RoundAt(%v) = %d, want %d", c.t, got, c.want)
		}
	}
	if !RoundTime(1).Equal(g) || !RoundTime(0).Equal(g) {
		t.Errorf("RoundTime(1) = %v", RoundTime(1))
	}
	if RoundTime(math.MaxUint64).Before(RoundTime(1 << 39)) {
		t.Errorf("RoundTime overflowed")
	}
}
