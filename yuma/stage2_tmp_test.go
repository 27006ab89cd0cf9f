package yuma

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/subnetd/subnetd/yuma/internal/baseline"
)

func TestTmpSizes(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, y3 := range []bool{false, true} {
		for _, dense := range []bool{true, false} {
			for _, sz := range []struct{ n, v int }{{256, 64}, {1024, 128}, {4096, 256}} {
				if dense && sz.n == 4096 {
					continue
				}
				in := benchInput(sz.n, sz.v, dense, y3)
				old := toBaseline(in)
				k := 30
				bestNew, bestOld := time.Hour, time.Hour
				for i := 0; i < k; i++ {
					s := tmpNow()
					epoch(in, 1)
					bestNew = min(bestNew, tmpNow()-s)
					s = tmpNow()
					baseline.EpochWorkers(old, 1)
					bestOld = min(bestOld, tmpNow()-s)
				}
				fmt.Printf("yuma3=%v dense=%v n=%d new %v old %v ratio %.3f\n", y3, dense, sz.n, bestNew, bestOld, float64(bestOld)/float64(bestNew))
			}
		}
	}
}
