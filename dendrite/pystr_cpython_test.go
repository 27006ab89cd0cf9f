package dendrite

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// cpythonScript prints, for each JSON line on stdin, json.dumps(str(json.loads(line))).
const cpythonScript = `
import sys, json
for line in sys.stdin:
    print(json.dumps(str(json.loads(line))))
`

// TestPyStr_againstCPython compares PyStr with CPython's own str() on a thousand generated JSON
// values (floats from random bit patterns, big ints, strings with controls, quotes, non-ASCII and
// non-printable characters, nested containers). It skips when python3 is not installed.
func TestPyStr_againstCPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	r := rand.New(rand.NewPCG(1, 2))
	var in bytes.Buffer
	var values []string
	for range 1000 {
		v := genJSON(r, 0)
		values = append(values, v)
		in.WriteString(v + "\n")
	}
	cmd := exec.Command(py, "-c", cpythonScript)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "ModuleNotFoundError") {
			t.Skipf("python3 lacks the json module: %s", stderr.String())
		}
		t.Fatalf("python3: %v: %s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	i := 0
	for sc.Scan() {
		var want string
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		got, err := PyStr([]byte(values[i]))
		if err != nil {
			t.Fatalf("PyStr(%s): %v", values[i], err)
		}
		if got != want {
			t.Errorf("PyStr(%s)\n got %q\nwant %q", values[i], got, want)
		}
		i++
	}
	if i != len(values) {
		t.Fatalf("python answered %d of %d values", i, len(values))
	}
}

var genRunes = []rune{'a', 'Z', '0', ' ', '\'', '"', '\\', '\n', '\t', '\r', 0, 0x1b, 0x7f, 0x85, 0xa0, 0xe9, 0xad,
	0x301, 0x416, 0x4e2d, 0x200b, 0x2028, 0x3000, 0xfeff, 0xfffd, 0x1f600, 0x1d11e, 0xe000}

func genString(r *rand.Rand) string {
	var sb strings.Builder
	for range r.IntN(8) {
		sb.WriteRune(genRunes[r.IntN(len(genRunes))])
	}
	b, _ := json.Marshal(sb.String())
	return string(b)
}

func genJSON(r *rand.Rand, depth int) string {
	k := r.IntN(9)
	if depth >= 3 && k >= 7 {
		k = r.IntN(7)
	}
	switch k {
	case 0:
		return "null"
	case 1:
		return []string{"true", "false"}[r.IntN(2)]
	case 2: // int, sometimes beyond 64 bits
		s := strconv.FormatInt(r.Int64N(1<<62)-1<<61, 10)
		if r.IntN(4) == 0 {
			s += "123456789012345678901234567890"
		}
		return s
	case 3, 4: // a float from random bits, or a "nice" decimal
		var f float64
		if k == 3 {
			for {
				f = math.Float64frombits(r.Uint64())
				if !math.IsNaN(f) && !math.IsInf(f, 0) {
					break
				}
			}
		} else {
			f = float64(r.IntN(2000000)-1000000) / math.Pow(10, float64(r.IntN(12)))
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s
	case 5, 6:
		return genString(r)
	case 7:
		var parts []string
		for range r.IntN(4) {
			parts = append(parts, genJSON(r, depth+1))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		var parts []string
		for range r.IntN(4) {
			parts = append(parts, genString(r)+": "+genJSON(r, depth+1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
}
