package localnode

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
)

// KeeperFlags lay ionet-keeper's challenge windows out for a 15 s localnet epoch
// (`--epoch-seconds 15`) and the localnet-cpu class: a 2 s lead to learn the beacon,
// three 3.5 s windows, one per keeper (0.3 s to send, the 2 s deadline, 1 s to
// verify), and 1 s after the last one for its re-checks. make demo uses the same.
var KeeperFlags = []string{"--localnet-classes", "--challenge-windows", "3", "--challenge-lead", "2s",
	"--challenge-window", "3500ms", "--challenge-spread", "300ms", "--challenge-max-rtt", "200ms",
	"--challenge-verify", "1s", "--challenge-recheck", "1s"}

// BuildCommands builds the repository's commands named (directories under cmd/)
// into a new temporary directory and returns it, for a TestMain; remove it after.
// The binary of cmd/x is filepath.Join(dir, "x").
func BuildCommands(names ...string) (string, error) {
	dir, err := os.MkdirTemp("", "ionet-commands-")
	if err != nil {
		return "", err
	}
	root, err := Root()
	if err != nil {
		return "", err
	}
	args := []string{"build", "-o", dir}
	for _, n := range names {
		args = append(args, "./cmd/"+n)
	}
	build := exec.Command("go", args...)
	build.Dir = root
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("build %s: %w", strings.Join(names, ", "), err)
	}
	return dir, nil
}

// FreeAddr is a 127.0.0.1 address with a port free at the time of the call.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// WriteKeypair writes k as a Solana CLI keypair file at path.
func WriteKeypair(t testing.TB, path string, k solana.PrivateKey) {
	t.Helper()
	b, err := json.Marshal([]byte(k))
	if err == nil {
		err = os.WriteFile(path, b, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// KeypairFile writes k into a new file in dir and returns its path.
func KeypairFile(t testing.TB, dir, name string, k solana.PrivateKey) string {
	t.Helper()
	path := filepath.Join(dir, name)
	WriteKeypair(t, path, k)
	return path
}

// Metric reads one series' value from a daemon's GET {base}/metrics: -1 when the
// daemon does not answer, 0 when the series is absent.
func Metric(base, series string) float64 {
	resp, err := http.Get(strings.TrimRight(base, "/") + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			var v float64
			_, _ = fmt.Sscan(rest, &v)
			return v
		}
	}
	return 0
}
