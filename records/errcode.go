package records

import (
	"errors"

	"github.com/subnetd/subnetd/runtime"
)

// Sentinel names an error a caller branches on, for ErrorCode.
type Sentinel struct {
	// Name is the code stored in a record, the sentinel's Go name (e.g. "ErrOutOfGas").
	Name string
	// Err is the sentinel.
	Err error
}

// scorerSentinels are the runtime's call errors, most specific first: a wrapped error may match
// several (an out-of-gas error can also mention a trap), and the first match names it.
var scorerSentinels = []Sentinel{
	{"ErrOutOfGas", runtime.ErrOutOfGas},
	{"ErrTimeout", runtime.ErrTimeout},
	{"ErrInputTooLarge", runtime.ErrInputTooLarge},
	{"ErrBadOutput", runtime.ErrBadOutput},
	{"ErrNoChallenge", runtime.ErrNoChallenge},
	{"ErrTrap", runtime.ErrTrap},
	{"ErrClosed", runtime.ErrClosed},
}

// ErrorCode returns the name of the first sentinel err wraps, looking at extra (the caller's own
// sentinels) before the runtime's call errors; "" when err is nil or wraps none of them. A record
// stores it beside the error text, and replay compares codes: the text of an error may change
// between releases, the sentinel it wraps may not.
func ErrorCode(err error, extra ...Sentinel) string {
	if err == nil {
		return ""
	}
	for _, list := range [][]Sentinel{extra, scorerSentinels} {
		for _, s := range list {
			if errors.Is(err, s.Err) {
				return s.Name
			}
		}
	}
	return ""
}
