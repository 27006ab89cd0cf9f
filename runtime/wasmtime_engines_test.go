//go:build wasmtime

package runtime_test

import "github.com/subnetd/subnetd/runtime"

// benchEngines are the engines of this build.
func benchEngines() []runtime.Engine {
	return []runtime.Engine{runtime.EngineWazero, runtime.EngineWasmtime}
}
