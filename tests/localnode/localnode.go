// Package localnode starts ionet-localnet for Go tests that drive it from outside
// (the CLI's and the demo's end-to-end tests): the binary from $IONET_LOCALNET_BIN or
// `cargo build -p ionet-localnet`, a ledger in a temporary directory, free ports.
package localnode

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Node is a running ionet-localnet.
type Node struct {
	RPCURL  string
	Ledger  string
	Genesis string // path of genesis.json
}

// Root is the repository root (where go.mod and Cargo.toml are).
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		_, goMod := os.Stat(filepath.Join(dir, "go.mod"))
		_, cargo := os.Stat(filepath.Join(dir, "Cargo.toml"))
		if goMod == nil && cargo == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found")
		}
		dir = parent
	}
}

// Bin is $IONET_LOCALNET_BIN (relative to the root unless absolute), or what
// `cargo build -p ionet-localnet` leaves in $CARGO_TARGET_DIR (or target)/debug.
func Bin() (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	if p := os.Getenv("IONET_LOCALNET_BIN"); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		return p, nil
	}
	build := exec.Command("cargo", "build", "-p", "ionet-localnet")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("cargo build -p ionet-localnet: %w", err)
	}
	target := os.Getenv("CARGO_TARGET_DIR")
	if target == "" {
		target = filepath.Join(root, "target")
	} else if !filepath.IsAbs(target) {
		target = filepath.Join(root, target)
	}
	return filepath.Join(target, "debug", "ionet-localnet"), nil
}

// Start runs ionet-localnet on free ports with a fresh ledger until the test ends.
func Start(t testing.TB) *Node {
	t.Helper()
	bin, err := Bin()
	if err != nil {
		t.Fatal(err)
	}
	ledger := t.TempDir()
	cmd := exec.Command(bin, "--rpc-port", "0", "--ws-port", "0", "--ledger", ledger)
	cmd.Env = append(os.Environ(), "RUST_LOG=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	ready := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if rest, ok := strings.CutPrefix(scanner.Text(), "ionet-localnet ready "); ok {
				for _, f := range strings.Fields(rest) {
					if v, ok := strings.CutPrefix(f, "rpc="); ok {
						ready <- v
					}
				}
			}
		}
		close(ready)
	}()
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	select {
	case url, ok := <-ready:
		if !ok {
			<-done
			t.Fatalf("ionet-localnet exited before it was ready: %s", stderr.String())
		}
		return &Node{RPCURL: url, Ledger: ledger, Genesis: filepath.Join(ledger, "genesis.json")}
	case <-time.After(2 * time.Minute):
		t.Fatal("ionet-localnet did not start in 2 minutes")
	}
	return nil
}
