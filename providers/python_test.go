package providers

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pythonWithGRPC returns Debian's python3 when it can import grpc (python3-grpcio).
func pythonWithGRPC(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import grpc, google.protobuf").Run(); err != nil {
		t.Skip("Python providers need Debian's python3-grpcio: apt-get install python3-grpcio (scripts/install-toolchains.sh)")
	}
	return py
}

const similarityRound = `{"abi":1,"challenge":{"numbers":[1,2,3.5]},"miners":[` +
	`{"uid":0,"response":{"answer":6.5,"text":"the sum is 6.5"}},` +
	`{"uid":1,"response":{"answer":1,"text":"zzz"}},` +
	`{"uid":2,"response":null},` +
	`{"uid":5,"response":{"answer":6.5}}]}`

// TestProvider_python runs the Python example provider as a managed go-plugin process.
func TestProvider_python(t *testing.T) {
	py := pythonWithGRPC(t)
	script, _ := filepath.Abs("../examples/providers/similarity-py/provider.py")
	p, err := Start(Config{Name: "similarity", Command: []string{py, script}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := p.Features(ctx, []byte(similarityRound), []uint16{0, 1, 2, 5})
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint16]string{0: `{"similarity":1.0}`, 1: `{"similarity":0.0}`, 2: `null`, 5: `null`}
	for u, w := range want {
		if string(f[u]) != w {
			t.Errorf("uid %d: %s, want %s", u, f[u], w)
		}
	}
	// Bad input inside the provider: one line naming the Python exception.
	_, err = p.Features(ctx, []byte(`{"miners":[{"response":{"text":"x"}}]}`), []uint16{0})
	if err == nil || !strings.Contains(err.Error(), "KeyError") || !strings.Contains(err.Error(), "provider similarity") {
		t.Errorf("err %v: want the provider's KeyError named", err)
	}
}

// TestProvider_address reaches a provider already running elsewhere by its address.
func TestProvider_address(t *testing.T) {
	py := pythonWithGRPC(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	script, _ := filepath.Abs("../examples/providers/similarity-py/provider.py")
	cmd := exec.Command(py, script, "--listen", addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	p, err := Start(Config{Name: "remote", Address: addr, Timeout: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		f, err := p.Features(context.Background(), []byte(similarityRound), []uint16{0, 1, 2, 5})
		if err == nil {
			if string(f[0]) != `{"similarity":1.0}` {
				t.Fatalf("uid 0: %s", f[0])
			}
			break
		}
		if !errors.Is(err, ErrNotRunning) || time.Now().After(deadline) {
			t.Fatalf("remote provider: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := p.Status(); !s.Remote || s.State != StateRunning {
		t.Errorf("status %+v", s)
	}
}
