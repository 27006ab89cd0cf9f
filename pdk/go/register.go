package pdk

// registered is the scorer of this module. A scorer module holds exactly one, set from an init
// function; it is guest-side state that lives as long as the instance (one round).
var registered Scorer

// Register makes s the scorer this module exports. Call it from an init function.
func Register(s Scorer) { registered = s }

// Log levels for Log.
const (
	LevelDebug = 0
	LevelInfo  = 1
	LevelWarn  = 2
	LevelError = 3
)
