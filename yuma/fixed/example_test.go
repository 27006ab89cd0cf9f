package fixed_test

import (
	"fmt"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// The chain's rounding: multiply floors, divide truncates, u16 outputs floor.
func Example() {
	third := fixed.One.SafeDiv(fixed.FromInt(3))
	fmt.Println(third.Bits())
	fmt.Println(fixed.ProportionToU16(third))
	fmt.Println(fixed.RaoOf(third, 1_000_000_000))
	fmt.Println(fixed.One.SafeDiv(0))
	// Output:
	// 1431655765
	// 21844
	// 333333333
	// 0
}
