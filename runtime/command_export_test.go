package runtime

// Compiles counts the modules r metered and compiled rather than took from its cache.
func (r *Runtime) Compiles() int64 { return r.compiles.Load() }
