package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// testProvider builds testdata/provider once per test binary.
func testProvider(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "subnetd-provider")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "provider")
		out, err := exec.Command("go", "build", "-o", binPath, "./testdata/provider").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func testRound(n int) ([]byte, []uint16) {
	type miner struct {
		UID      uint16          `json:"uid"`
		Response json.RawMessage `json:"response"`
	}
	r := struct {
		Miners []miner `json:"miners"`
	}{}
	uids := make([]uint16, n)
	for i := range n {
		uids[i] = uint16(i)
		r.Miners = append(r.Miners, miner{UID: uint16(i), Response: json.RawMessage(fmt.Sprintf(`{"answer":%d}`, i*i))})
	}
	b, _ := json.Marshal(r)
	return b, uids
}

// lockedBuffer collects log output from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startTest(t *testing.T, mode string, cfg Config) (*Provider, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	cfg.Name = "test"
	cfg.Command = []string{testProvider(t), mode}
	p, err := Start(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return p, logs
}

func TestProvider_Features(t *testing.T) {
	p, _ := startTest(t, "echo", Config{})
	round, uids := testRound(5)
	f, err := p.Features(context.Background(), round, uids)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range uids {
		want := fmt.Sprintf(`{"len":%d}`, len(fmt.Sprintf(`{"answer":%d}`, int(u)*int(u))))
		if string(f[u]) != want {
			t.Errorf("uid %d: features %s, want %s", u, f[u], want)
		}
	}
	if s := p.Status(); s.State != StateRunning || s.Restarts != 0 {
		t.Errorf("status %+v", s)
	}
}

// TestProvider_hostile: every misbehaviour costs only that call's features, with an error
// naming the provider and the cause, and the host stays up.
func TestProvider_hostile(t *testing.T) {
	round, uids := testRound(4)
	for _, tc := range []struct {
		mode string
		cfg  Config
		want error
		text string
	}{
		{"hang", Config{Timeout: 300 * time.Millisecond}, ErrTimeout, "timed out"},
		{"huge", Config{MaxBytes: 1 << 20}, ErrTooLarge, "over 1048576 bytes"},
		{"stranger", Config{}, ErrMalformed, "uid 9999, which was not in the round"},
		{"malformed", Config{}, ErrMalformed, `"features" is not an object`},
		{"error", Config{}, nil, "model not loaded"},
		{"crash", Config{}, ErrNotRunning, ""},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			p, _ := startTest(t, tc.mode, tc.cfg)
			f, err := p.Features(context.Background(), round, uids)
			if err == nil || f != nil {
				t.Fatalf("features %v, err %v: want a failure", f, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "provider test") || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err %q should name the provider and say %q", err, tc.text)
			}
		})
	}
}

// TestProvider_restart: a provider that dies is started again, and says so in its status.
func TestProvider_restart(t *testing.T) {
	p, _ := startTest(t, "crash", Config{})
	round, uids := testRound(2)
	if _, err := p.Features(context.Background(), round, uids); err == nil {
		t.Fatal("crash mode answered")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.Status()
		if s.Restarts >= 1 && s.State == StateRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not restarted: %+v", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestProvider_hungIsKilled: after maxTimeouts timeouts in a row a hung process is replaced.
func TestProvider_hungIsKilled(t *testing.T) {
	p, _ := startTest(t, "hang", Config{Timeout: 100 * time.Millisecond})
	round, uids := testRound(1)
	for range maxTimeouts {
		if _, err := p.Features(context.Background(), round, uids); !errors.Is(err, ErrTimeout) {
			t.Fatalf("err %v, want timeout", err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for p.Status().Restarts == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("hung provider not restarted: %+v", p.Status())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestProvider_stderrFlood: 200,000 stderr lines become a bounded number of log lines.
func TestProvider_stderrFlood(t *testing.T) {
	p, logs := startTest(t, "flood", Config{Timeout: 30 * time.Second})
	round, uids := testRound(3)
	start := time.Now()
	if _, err := p.Features(context.Background(), round, uids); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the stderr reader catch up
	// The limiter lets burstLines through at once and linesPerSecond after that, however slow
	// the machine: the bound follows the time the flood took.
	limit := burstLines + int(time.Since(start).Seconds()+1)*linesPerSecond
	n := strings.Count(logs.String(), "provider stderr")
	if n == 0 || n > limit {
		t.Errorf("%d stderr log lines for a flood of 200000; want between 1 and %d", n, limit)
	}
}

func TestProvider_Close(t *testing.T) {
	p, _ := startTest(t, "echo", Config{})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	round, uids := testRound(1)
	if _, err := p.Features(context.Background(), round, uids); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if s := p.Status(); s.State != StateStopped {
		t.Errorf("state %s", s.State)
	}
}

func TestCollect(t *testing.T) {
	good, _ := startTest(t, "echo", Config{})
	bad, _ := startTest(t, "malformed", Config{})
	round, uids := testRound(3)
	out := Collect(context.Background(), []*Provider{good, bad}, round, uids)
	if len(out) != 2 || out[0].Err != nil || len(out[0].Features) != 3 || out[1].Err == nil || out[1].Features != nil {
		t.Fatalf("outcomes %+v", out)
	}
}

func TestConfig_Validate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Name: "ok", Command: []string{"x"}}, ""},
		{Config{Name: "ok", Address: "127.0.0.1:1"}, ""},
		{Config{Name: "Bad Name", Command: []string{"x"}}, "name"},
		{Config{Name: "none"}, "set command"},
		{Config{Name: "both", Command: []string{"x"}, Address: "a:1"}, "exclusive"},
		{Config{Name: "empty", Command: []string{""}}, "empty program"},
	} {
		err := tc.cfg.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: err %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	uids := []uint16{1, 2, 7}
	for _, tc := range []struct {
		in, want, err string
	}{
		{`{"features":{"1":{"a": 1},"7":null}}`, `1={"a":1} 7=null`, ""},
		{`{"features":{}}`, ``, ""},
		{`{"features":{"3":1}}`, "", "uid 3, which was not in the round"},
		{`{"features":{"1":1,"1":2}}`, "", "given twice"},
		{`{"features":{"01":1}}`, "", "not a uid"},
		{`{"features":{"x":1}}`, "", "not a uid"},
		{`{"features":{"70000":1}}`, "", "not a uid"},
		{`{"other":{}}`, "", `no "features"`},
		{`[1]`, "", "cannot unmarshal"},
		{`{"features":{"1":1}`, "", "unexpected end"},
	} {
		f, err := ParseAnswer([]byte(tc.in), uids)
		if tc.err != "" {
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		var parts []string
		for _, u := range uids {
			if v, ok := f[u]; ok {
				parts = append(parts, fmt.Sprintf("%d=%s", u, v))
			}
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzParseAnswer: never panics; what it accepts agrees with encoding/json's reading of the
// same answer, value by value.
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{`{"features":{"1":{"a": [1, "x\"}"]},"7":null}}`, `{"features":{ "2" : "s" , "1":1e3}}`,
		`{"features":{"1":1,"1":2}}`, `{"features":[]}`, `{"features":{"1\u0030":1}}`, `{}`} {
		f.Add([]byte(s))
	}
	uids := []uint16{1, 2, 7, 10}
	f.Fuzz(func(t *testing.T, answer []byte) {
		got, err := ParseAnswer(answer, uids)
		if err != nil {
			return
		}
		var ref struct {
			Features map[string]json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(answer, &ref); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v", err)
		}
		if len(ref.Features) != len(got) {
			t.Fatalf("%d features, encoding/json reads %d", len(got), len(ref.Features))
		}
		for u, v := range got {
			if !json.Valid(v) {
				t.Fatalf("uid %d: invalid value %q", u, v)
			}
			var a, b any
			json.Unmarshal(v, &a)
			json.Unmarshal(ref.Features[fmt.Sprint(u)], &b)
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatalf("uid %d: %s, encoding/json reads %s", u, v, ref.Features[fmt.Sprint(u)])
			}
		}
	})
}
