package runtime

// Compiles counts the modules r metered and compiled rather than took from its cache.
func (r *Runtime) Compiles() int64 { return r.compiles.Load() }

// Instruments counts the modules r ran through the meter rather than took from the disk cache.
func (r *Runtime) Instruments() int64 { return r.instruments.Load() }
