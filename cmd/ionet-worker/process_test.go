package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The built binary: it serves until SIGTERM, then exits 0 after a clean shutdown;
// a bad flag exits 2 naming it.
func TestBinarySIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ionet-worker")
	}
	bin := filepath.Join(t.TempDir(), "ionet-worker")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	out, err := exec.Command(bin, "--data-dir", t.TempDir(), "run", "--listen", "nope:").CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 1, ee.ExitCode(), "a listen failure is a failure, not usage: %s", out)
	out, err = exec.Command(bin, "run", "--job-runner", "vm").CombinedOutput()
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Contains(t, string(out), "--job-runner")

	keeper := solana.NewWallet().PublicKey()
	cmd := exec.Command(bin, "--data-dir", t.TempDir(), "--threads", "1", "run", "--listen", "127.0.0.1:0",
		"--keeper", keeper.String(), "--job-runner", "process")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	addr := make(chan string, 1)
	logs := make(chan string, 100)
	go func() {
		re := regexp.MustCompile(`msg="worker listening" addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			select {
			case logs <- sc.Text():
			default:
			}
		}
		close(logs)
	}()
	var a string
	select {
	case a = <-addr:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("no listening line")
	}
	resp, err := http.Get("http://" + a + "/healthz")
	require.NoError(t, err)
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		assert.NoError(t, err, "exit 0 after SIGTERM")
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		t.Fatal("no exit after SIGTERM")
	}
	var all []string
	for l := range logs {
		all = append(all, l)
	}
	assert.Contains(t, all[len(all)-1], "worker stopped")
}
