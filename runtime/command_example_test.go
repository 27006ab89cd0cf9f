package runtime_test

import (
	"bytes"
	"fmt"

	"github.com/subnetd/subnetd/runtime"
)

// PackCommand turns an interpreter (a WASI command module) and a program's files into one
// scorer; StripCustomSections gives back the code the runtime compiles, the same for every
// program packed onto the same interpreter.
func ExamplePackCommand() {
	interpreter := []byte("\x00asm\x01\x00\x00\x00") // stands in for python.wasm
	spec := runtime.CommandSpec{Args: []string{"python", "-I", "-S", "/scorer/main.py"}}
	a, err := runtime.PackCommand(interpreter, spec, map[string][]byte{"main.py": []byte("print('a')")})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := runtime.PackCommand(interpreter, spec, map[string][]byte{"main.py": []byte("print('b')")})
	codeA, _ := runtime.StripCustomSections(a)
	codeB, _ := runtime.StripCustomSections(b)
	fmt.Println("same scorer:", bytes.Equal(a, b))
	fmt.Println("same code:", bytes.Equal(codeA, codeB), bytes.Equal(codeA, interpreter))
	// Output:
	// same scorer: false
	// same code: true true
}
