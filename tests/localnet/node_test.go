// Package localnet_test runs ionet-localnet as a process and talks to it with
// solana-go, as every Go tool of the project will.
package localnet_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
)

// Genesis is the part of genesis.json the tests read.
type Genesis struct {
	Mints struct {
		IO          string `json:"io"`
		IODecimals  uint8  `json:"ioDecimals"`
		IOSupply    uint64 `json:"ioSupply"`
		IOSD        string `json:"iosd"`
		IOSDDecimal uint8  `json:"iosdDecimals"`
	} `json:"mints"`
	Vaults struct {
		Rewards string `json:"rewards"`
	} `json:"vaults"`
	Configs struct {
		Rewards string `json:"rewards"`
	} `json:"configs"`
	Accounts struct {
		Faucet   string `json:"faucet"`
		FaucetIO string `json:"faucetIo"`
	} `json:"accounts"`
	Keypairs struct {
		Faucet string `json:"faucet"`
		Admin  string `json:"admin"`
	} `json:"keypairs"`
}

// node is one running ionet-localnet.
type node struct {
	cmd     *exec.Cmd
	done    chan struct{}
	rpcURL  string
	wsURL   string
	ledger  string
	genesis Genesis
	faucet  solana.PrivateKey
	client  *rpc.Client
	stderr  *strings.Builder
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "Cargo.toml")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found")
		}
		dir = parent
	}
}

// localnetBin is $IONET_LOCALNET_BIN (relative to the repository root unless
// absolute), or the binary `cargo build -p ionet-localnet`
// leaves in $CARGO_TARGET_DIR (or <repo>/target)/debug.
func localnetBin() (string, error) {
	binOnce.Do(func() {
		root, err := repoRoot()
		if err != nil {
			binErr = err
			return
		}
		if p := os.Getenv("IONET_LOCALNET_BIN"); p != "" {
			// A relative path is taken from the repository root.
			if !filepath.IsAbs(p) {
				p = filepath.Join(root, p)
			}
			binPath = p
			return
		}
		build := exec.Command("cargo", "build", "-p", "ionet-localnet")
		build.Dir = root
		build.Stdout = os.Stderr
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			binErr = fmt.Errorf("cargo build -p ionet-localnet: %w", err)
			return
		}
		target := os.Getenv("CARGO_TARGET_DIR")
		if target == "" {
			target = filepath.Join(root, "target")
		} else if !filepath.IsAbs(target) {
			target = filepath.Join(root, target)
		}
		binPath = filepath.Join(target, "debug", "ionet-localnet")
	})
	return binPath, binErr
}

// startNode starts ionet-localnet on free ports with `ledger` and waits until it
// serves.
func startNode(ledger string, extra ...string) (*node, error) {
	bin, err := localnetBin()
	if err != nil {
		return nil, err
	}
	args := append([]string{"--rpc-port", "0", "--ws-port", "0", "--ledger", ledger}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "RUST_LOG=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &strings.Builder{}
	cmd.Stderr = &lockedWriter{w: stderr}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &node{cmd: cmd, done: make(chan struct{}), ledger: ledger, stderr: stderr}
	ready := make(chan error, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		announced := false
		for scanner.Scan() {
			line := scanner.Text()
			if !announced && strings.HasPrefix(line, "ionet-localnet ready ") {
				for _, field := range strings.Fields(line) {
					if v, ok := strings.CutPrefix(field, "rpc="); ok {
						n.rpcURL = v
					}
					if v, ok := strings.CutPrefix(field, "ws="); ok {
						n.wsURL = v
					}
				}
				announced = true
				ready <- nil
			}
		}
		if !announced {
			ready <- errors.New("ionet-localnet exited before it was ready")
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(n.done)
	}()
	if err := <-ready; err != nil {
		<-n.done
		return nil, fmt.Errorf("%w: %s", err, stderr.String())
	}
	raw, err := os.ReadFile(filepath.Join(ledger, "genesis.json"))
	if err != nil {
		n.kill()
		return nil, err
	}
	if err := json.Unmarshal(raw, &n.genesis); err != nil {
		n.kill()
		return nil, err
	}
	n.faucet, err = solana.PrivateKeyFromSolanaKeygenFile(n.genesis.Keypairs.Faucet)
	if err != nil {
		n.kill()
		return nil, err
	}
	n.client = rpc.New(n.rpcURL)
	return n, nil
}

// kill ends the node with SIGKILL, as a crash would.
func (n *node) kill() {
	_ = n.cmd.Process.Kill()
	<-n.done
}

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitConfirmed polls getSignatureStatuses until `sig` has a status.
func waitConfirmed(ctx context.Context, client *rpc.Client, sig solana.Signature) (*rpc.SignatureStatusesResult, error) {
	for {
		out, err := client.GetSignatureStatuses(ctx, false, sig)
		if err != nil {
			return nil, err
		}
		if len(out.Value) == 1 && out.Value[0] != nil {
			return out.Value[0], nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
