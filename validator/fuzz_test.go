package validator

import "testing"

// FuzzParseConfig: any YAML either parses into a valid config or is refused; never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("chain: {endpoint: devnet}\nwallet: {uri: //Alice}\nsubnets: [{netuid: 1, scorer: x.wasm}]\n"))
	f.Add([]byte("subnets: [{netuid: 70000}]"))
	f.Add([]byte("chain: [1, 2]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("parsed config fails validation: %v", verr)
			}
		}
	})
}
