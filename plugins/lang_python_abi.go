package plugins

import "errors"

// The command form of ABI v1 (runtime.CommandSpec, runtime.PackCommand and
// runtime.StripCustomSections) is being added to package runtime on branch h1-runtime. Until
// it is merged, the Python build refuses with errCommandABI; this file is the only place that
// names that API, so the merge replaces it with three thin calls.

// commandSpec mirrors runtime.CommandSpec: the argv (the call name is appended), extra
// environment and the directory the packed files are served from.
type commandSpec struct {
	Args      []string
	Env       []string
	Challenge bool
	FilesDir  string
}

var errCommandABI = errors.New("this subnetd has no command scorer support yet (runtime.PackCommand, branch h1-runtime)")

func stripCustomSections(module []byte) ([]byte, error) { return nil, errCommandABI }

func packCommand(module []byte, spec commandSpec, files map[string][]byte) ([]byte, error) {
	return nil, errCommandABI
}
