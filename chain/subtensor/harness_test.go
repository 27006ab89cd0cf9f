package subtensor

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/centrifuge/go-substrate-rpc-client/v4/signature"

	"github.com/subnetd/subnetd/chain"
)

// The integration tests run against a real subtensor runtime under chopsticks on loopback
// (../shared/chain-harness). They need SUBTENSOR_RUNTIME_WASM (the runtime blob; see docs/CHAIN.md) and
// start one fresh chain for the package, or SUBTENSOR_WS (and SUBTENSOR_NETUID, default 2) to use a
// chain already prepared by the harness's setup_subnet.mjs.

var (
	harnessOnce sync.Once
	harnessWS   string
	harnessNet  uint16
	harnessPID  int
	harnessErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if harnessPID > 0 {
		_ = syscall.Kill(harnessPID, syscall.SIGTERM)
	}
	os.Exit(code)
}

// testChain returns a client for the harness chain and its prepared subnet, or skips.
func testChain(t *testing.T) (*Client, uint16) {
	t.Helper()
	harnessOnce.Do(startHarness)
	if harnessErr != nil {
		if harnessErr == errSkip {
			t.Skip("integration test: set SUBTENSOR_RUNTIME_WASM to the subtensor runtime blob (spec 300, see docs/CHAIN.md) or SUBTENSOR_WS to a prepared chain")
		}
		t.Fatalf("chain harness: %v", harnessErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, harnessWS, Options{PollInterval: 50 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatalf("dial %s: %v", harnessWS, err)
	}
	t.Cleanup(func() { c.Close() })
	return c, harnessNet
}

var errSkip = fmt.Errorf("skip")

func startHarness() {
	if ws := os.Getenv("SUBTENSOR_WS"); ws != "" {
		harnessWS, harnessNet = ws, 2
		if s := os.Getenv("SUBTENSOR_NETUID"); s != "" {
			n, err := strconv.ParseUint(s, 10, 16)
			if err != nil {
				harnessErr = fmt.Errorf("SUBTENSOR_NETUID %q: %w", s, err)
				return
			}
			harnessNet = uint16(n)
		}
		return
	}
	wasm := os.Getenv("SUBTENSOR_RUNTIME_WASM")
	if wasm == "" {
		harnessErr = errSkip
		return
	}
	script := os.Getenv("SUBTENSOR_HARNESS")
	if script == "" {
		script = filepath.Join("..", "..", "..", "shared", "chain-harness", "start.sh")
	}
	if _, err := os.Stat(script); err != nil {
		harnessErr = fmt.Errorf("harness script: %w (set SUBTENSOR_HARNESS)", err)
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		harnessErr = err
		return
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, wasm, strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		harnessErr = err
		return
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		harnessErr = err
		return
	}
	ready := regexp.MustCompile(`^READY (\S+) pid=(\d+) netuid=(\d+)`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := ready.FindStringSubmatch(sc.Text()); m != nil {
			harnessWS = m[1]
			harnessPID, _ = strconv.Atoi(m[2])
			n, _ := strconv.Atoi(m[3])
			harnessNet = uint16(n)
		}
	}
	if err := cmd.Wait(); err != nil || harnessWS == "" {
		harnessErr = fmt.Errorf("start.sh failed (%v); see its log under ~/.cache/subnetd-chain-harness", err)
	}
}

// uriSigner signs with a dev key ("//Alice") through go-substrate-rpc-client's signature package.
type uriSigner struct {
	uri string
	pub [32]byte
}

func devKey(t testing.TB, uri string) *uriSigner {
	t.Helper()
	kp, err := signature.KeyringPairFromSecret(uri, chain.SS58Prefix)
	if err != nil {
		t.Fatal(err)
	}
	s := &uriSigner{uri: uri}
	copy(s.pub[:], kp.PublicKey)
	return s
}

func (s *uriSigner) PublicKey() [32]byte             { return s.pub }
func (s *uriSigner) Sign(msg []byte) ([]byte, error) { return signature.Sign(msg, s.uri) }

// badSigner signs, then flips a bit of the signature.
type badSigner struct{ *uriSigner }

func (s badSigner) Sign(msg []byte) ([]byte, error) {
	sig, err := s.uriSigner.Sign(msg)
	if err == nil {
		sig[10] ^= 1
	}
	return sig, err
}

// newBlocks asks chopsticks to build n empty blocks.
func newBlocks(t *testing.T, c *Client, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.rpc.Call(ctx, nil, "dev_newBlock", map[string]any{"count": n}); err != nil {
		t.Fatalf("dev_newBlock: %v", err)
	}
}

// ctxT bounds a test's chain calls; generous, because chopsticks on a loaded 2-core machine can take
// tens of seconds for one block.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
