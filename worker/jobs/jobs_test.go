package jobs_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/worker/jobs"
	"github.com/ionet-network/ionet/worker/jobs/jobstest"
)

func TestMain(m *testing.M) {
	jobs.LimitedMain(os.Args)
	jobstest.Main()
	os.Exit(m.Run())
}

// fakeHires is one order's state, changed by the test.
type fakeHires struct {
	mu    sync.Mutex
	order solana.PublicKey
	hire  jobs.Hire
}

func (f *fakeHires) Hire(_ context.Context, order solana.PublicKey) (jobs.Hire, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !order.Equals(f.order) {
		return jobs.Hire{}, errors.New("order: account not found")
	}
	h := f.hire
	h.Peers = append([]jobs.Peer(nil), h.Peers...)
	return h, nil
}

func (f *fakeHires) end(reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hire.Active, f.hire.Reason = false, reason
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// worker is one node's jobs manager behind an HTTP server.
type worker struct {
	node solana.PublicKey
	m    *jobs.Manager
	url  string
}

func self(t *testing.T) string {
	exe, err := os.Executable()
	require.NoError(t, err)
	return exe
}

func startWorker(t *testing.T, ctx context.Context, node solana.PublicKey, hires jobs.Hires, limits jobs.Limits) *worker {
	t.Helper()
	m, err := jobs.New(jobs.Config{Node: node, Hires: hires, Runner: jobs.ProcessRunner{Limits: limits, Helper: self(t)},
		Dir: t.TempDir(), Poll: 50 * time.Millisecond, StopGrace: time.Second, Logger: quiet()})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	hs := httptest.NewServer(m)
	t.Cleanup(func() {
		hs.Close()
	})
	return &worker{node: node, m: m, url: hs.URL}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A 2-node job: rank 0 collects rank 1's value through IONET_PEERS, and the renter
// reads it from rank 0's logs; both jobs see the order, their rank and the world size.
func TestTwoNodeJobRankZeroCollectsFromRankOne(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, renterKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	renter := solana.PublicKeyFromBytes(renterKey.Public().(ed25519.PublicKey))
	order := solana.NewWallet().PublicKey()
	n0, n1 := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	if bytes.Compare(n0[:], n1[:]) > 0 {
		n0, n1 = n1, n0
	}
	hires := &fakeHires{order: order}
	w0 := startWorker(t, ctx, n0, hires, jobs.Limits{})
	w1 := startWorker(t, ctx, n1, hires, jobs.Limits{})
	hires.hire = jobs.Hire{Renter: renter, Active: true, CreatedAt: 1_764_000_000,
		Peers: []jobs.Peer{{Node: n0, Endpoint: w0.url}, {Node: n1, Endpoint: w1.url}}}

	client := jobs.Client{Key: renterKey}
	base := freePort(t) - 1
	value := fmt.Sprintf("secret-%d", time.Now().UnixNano())
	spec := func(node solana.PublicKey) jobs.Spec {
		return jobs.Spec{Order: order.String(), Node: node.String(), Command: []string{self(t)},
			Env: map[string]string{jobstest.Env: jobstest.Peer, "PEER_PORT_BASE": fmt.Sprint(base), "VALUE": value}}
	}
	s1, err := client.Submit(ctx, w1.url, spec(n1))
	require.NoError(t, err)
	s0, err := client.Submit(ctx, w0.url, spec(n0))
	require.NoError(t, err)
	assert.Equal(t, 1, s1.Rank)
	assert.Equal(t, 0, s0.Rank)
	assert.Equal(t, 2, s0.WorldSize)
	assert.Equal(t, []string{"127.0.0.1"}, s0.Peers)
	assert.Equal(t, jobs.StateRunning, s0.State)
	assert.Equal(t, "process", s0.Runner)
	assert.EqualValues(t, 1_764_000_000, s0.OrderCreatedAt, "the job names the order's creation, not only its address")

	var st jobs.Status
	require.Eventually(t, func() bool {
		st, err = client.Job(ctx, w0.url, s0.ID)
		return err == nil && st.State != jobs.StateRunning
	}, 30*time.Second, 50*time.Millisecond)
	logs, err := client.Logs(ctx, w0.url, s0.ID)
	require.NoError(t, err)
	require.Equal(t, jobs.StateExited, st.State, logs)
	require.NotNil(t, st.ExitCode)
	assert.Zero(t, *st.ExitCode, logs)
	assert.Contains(t, logs, "collected "+value+" from rank 1 at 127.0.0.1:")
	assert.Contains(t, logs, "rank 0 of 2, order "+order.String())
	logs1, err := client.Logs(ctx, w1.url, s1.ID)
	require.NoError(t, err)
	assert.Contains(t, logs1, "served my value")

	// The same signed spec again names the same job: nothing new starts.
	again, err := client.Submit(ctx, w0.url, spec(n0))
	require.NoError(t, err)
	assert.Equal(t, s0.ID, again.ID)
	assert.Equal(t, jobs.StateExited, again.State)
}

func status(err error) int {
	var se *jobs.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// Refusals: unsigned, a wrong signature, another renter, a spec for another node,
// IONET_* set by the renter, an unknown order, an oversized body, a stale time, a
// job of another renter. The worker keeps serving after each.
func TestRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, renterKey, _ := ed25519.GenerateKey(nil)
	_, otherKey, _ := ed25519.GenerateKey(nil)
	renter := solana.PublicKeyFromBytes(renterKey.Public().(ed25519.PublicKey))
	order, node := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	hires := &fakeHires{order: order, hire: jobs.Hire{Renter: renter, Active: true, Peers: []jobs.Peer{{Node: node, Endpoint: "http://10.0.0.1:7080"}}}}
	w := startWorker(t, ctx, node, hires, jobs.Limits{})
	ok := jobs.Spec{Order: order.String(), Node: node.String(), Command: []string{self(t)},
		Env: map[string]string{jobstest.Env: jobstest.Sleep}, Nonce: "run-1"}

	// Unsigned.
	resp, err := http.Post(w.url+"/jobs", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// Signed over another body.
	body, _ := json.Marshal(ok)
	req, _ := http.NewRequest(http.MethodPost, w.url+"/jobs", bytes.NewReader(body))
	jobs.Sign(req, renterKey, []byte(`{"other":1}`), time.Now())
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// Stale.
	_, err = jobs.Client{Key: renterKey, Now: func() time.Time { return time.Now().Add(-time.Hour) }}.Submit(ctx, w.url, ok)
	assert.Equal(t, http.StatusUnauthorized, status(err), "%v", err)

	// Not the order's renter.
	_, err = jobs.Client{Key: otherKey}.Submit(ctx, w.url, ok)
	assert.Equal(t, http.StatusForbidden, status(err), "%v", err)

	client := jobs.Client{Key: renterKey}
	bad := ok
	bad.Node = solana.NewWallet().PublicKey().String()
	_, err = client.Submit(ctx, w.url, bad)
	assert.Equal(t, http.StatusBadRequest, status(err), "%v", err)
	bad = ok
	bad.Env = map[string]string{"IONET_RANK": "7"}
	_, err = client.Submit(ctx, w.url, bad)
	assert.Equal(t, http.StatusBadRequest, status(err), "%v", err)
	bad = ok
	bad.Command = nil
	_, err = client.Submit(ctx, w.url, bad)
	assert.Equal(t, http.StatusBadRequest, status(err), "%v", err)
	bad = ok
	bad.Order = solana.NewWallet().PublicKey().String()
	_, err = client.Submit(ctx, w.url, bad)
	assert.Equal(t, http.StatusServiceUnavailable, status(err), "%v", err)
	bad = ok
	bad.Env = map[string]string{"BIG": strings.Repeat("x", jobs.MaxSpecBody)}
	_, err = client.Submit(ctx, w.url, bad)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status(err), "%v", err)
	req, _ = http.NewRequest(http.MethodPost, w.url+"/jobs", strings.NewReader(`{"order":`))
	jobs.Sign(req, renterKey, []byte(`{"order":`), time.Now())
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// Still serving: the good spec starts, another renter cannot read it.
	st, err := client.Submit(ctx, w.url, ok)
	require.NoError(t, err)
	assert.Equal(t, jobs.StateRunning, st.State)
	assert.Equal(t, []string{"10.0.0.1"}, []string{hires.hire.Peers[0].Host()})
	_, err = jobs.Client{Key: otherKey}.Job(ctx, w.url, st.ID)
	assert.Equal(t, http.StatusForbidden, status(err), "%v", err)
	_, err = client.Job(ctx, w.url, "nope")
	assert.Equal(t, http.StatusNotFound, status(err), "%v", err)
	// GET /jobs lists the signer's jobs only, with the spec's nonce.
	list, err := client.List(ctx, w.url)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, st.ID, list[0].ID)
	assert.Equal(t, ok.Nonce, list[0].Nonce)
	others, err := jobs.Client{Key: otherKey}.List(ctx, w.url)
	require.NoError(t, err)
	assert.Empty(t, others)

	// The hire is inactive: new jobs are refused with 409.
	hires.end("order Ended")
	bad = ok
	bad.Nonce = "2"
	_, err = client.Submit(ctx, w.url, bad)
	assert.Equal(t, http.StatusConflict, status(err), "%v", err)
}

// When the hire ends the worker stops the job; the renter sees why.
func TestJobStopsWhenTheHireEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, renterKey, _ := ed25519.GenerateKey(nil)
	renter := solana.PublicKeyFromBytes(renterKey.Public().(ed25519.PublicKey))
	order, node := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	hires := &fakeHires{order: order, hire: jobs.Hire{Renter: renter, Active: true, Peers: []jobs.Peer{{Node: node, Endpoint: "http://127.0.0.1:1"}}}}
	w := startWorker(t, ctx, node, hires, jobs.Limits{})
	client := jobs.Client{Key: renterKey}
	st, err := client.Submit(ctx, w.url, jobs.Spec{Order: order.String(), Node: node.String(), Command: []string{self(t)},
		Env: map[string]string{jobstest.Env: jobstest.Sleep}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		logs, _ := client.Logs(ctx, w.url, st.ID)
		return strings.Contains(logs, "sleeping")
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, 1, w.m.Running())
	hires.end("order Ended")
	require.Eventually(t, func() bool {
		st, err = client.Job(ctx, w.url, st.ID)
		return err == nil && st.Ended != nil
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, jobs.StateStopped, st.State)
	assert.Equal(t, "the hire ended: order Ended", st.Reason)
	assert.Equal(t, 0, w.m.Running())
}

// The process runner applies its limits before the command runs (through the
// helper), and with prlimit right after it started without one.
func TestProcessRunnerLimits(t *testing.T) {
	for _, helper := range []string{self(t), ""} {
		r := jobs.ProcessRunner{Limits: jobs.Limits{OpenFiles: 77, AddressSpace: 8 << 30}, Helper: helper}
		var out bytes.Buffer
		var mu sync.Mutex
		p, err := r.Start(jobs.Launch{ID: "x", Command: []string{self(t)}, Env: []string{jobstest.Env + "=" + jobstest.Limits},
			Dir: t.TempDir(), Output: writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(b) })})
		require.NoError(t, err)
		code, err := p.Wait()
		require.NoError(t, err)
		assert.Zero(t, code)
		mu.Lock()
		got := out.String()
		mu.Unlock()
		if helper != "" {
			assert.Equal(t, fmt.Sprintf("nofile=77 as=%d\n", uint64(8<<30)), got, "helper")
		} else {
			// prlimit lands after exec: the program may read its limits first.
			assert.Contains(t, got, "nofile=")
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// The container runner's command line: host network, limits, the job's env without
// the host's PATH and HOME, the default image when the job names none.
func TestContainerRunnerArgs(t *testing.T) {
	r := jobs.ContainerRunner{Runtime: "/usr/bin/podman", DefaultImage: "docker.io/library/busybox",
		Limits: jobs.Limits{AddressSpace: 1 << 30, Processes: 100, OpenFiles: 1024}}
	args, err := r.Args(jobs.Launch{ID: "abc", Command: []string{"sh", "-c", "echo hi"}, Dir: "/data/jobs/abc/work",
		Env: []string{"PATH=/usr/bin", "HOME=/x", "IONET_RANK=1", "FOO=bar"}, GPUs: []string{"GPU-a"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"run", "--rm", "--name", "ionet-job-abc", "--network", "host", "--workdir", "/job",
		"--volume", "/data/jobs/abc/work:/job", "--memory", "1073741824", "--pids-limit", "100",
		"--ulimit", "nofile=1024:1024", "--device", "nvidia.com/gpu=GPU-a", "--env", "IONET_RANK=1", "--env", "FOO=bar",
		"docker.io/library/busybox", "sh", "-c", "echo hi"}, args)
	assert.Equal(t, "container:podman", r.Name())
	_, err = jobs.ContainerRunner{Runtime: "docker"}.Args(jobs.Launch{ID: "abc", Command: []string{"true"}})
	assert.ErrorContains(t, err, "no image")
	args, err = jobs.ContainerRunner{Runtime: "/usr/bin/docker"}.Args(jobs.Launch{ID: "abc", Image: "img", Command: []string{"true"},
		GPUs: []string{"GPU-a", "GPU-b"}})
	require.NoError(t, err)
	assert.Contains(t, strings.Join(args, " "), `--gpus "device=GPU-a,GPU-b" img true`)
}

// Each order's jobs see only the GPUs its assignment holds: two orders get disjoint
// UUIDs in CUDA_VISIBLE_DEVICES, a third finds none free until they end.
func TestOrdersGetDisjointGPUs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, renterKey, _ := ed25519.GenerateKey(nil)
	renter := solana.PublicKeyFromBytes(renterKey.Public().(ed25519.PublicKey))
	node := solana.NewWallet().PublicKey()
	hires := &multiHires{hires: map[solana.PublicKey]jobs.Hire{}}
	orders := []solana.PublicKey{solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()}
	for i, o := range orders {
		hires.hires[o] = jobs.Hire{Renter: renter, Active: true, GPUs: []int{2, 1, 2}[i], Peers: []jobs.Peer{{Node: node, Endpoint: "http://h:1"}}}
	}
	m, err := jobs.New(jobs.Config{Node: node, Hires: hires, Runner: jobs.ProcessRunner{Helper: self(t)}, Dir: t.TempDir(),
		Poll: 50 * time.Millisecond, StopGrace: time.Second, Logger: quiet(), GPUs: []string{"GPU-0", "GPU-1", "GPU-2"}})
	require.NoError(t, err)
	go func() { _ = m.Run(ctx) }()
	hs := httptest.NewServer(m)
	defer hs.Close()
	client := jobs.Client{Key: renterKey}
	submit := func(o solana.PublicKey, prog string) (jobs.Status, error) {
		return client.Submit(ctx, hs.URL, jobs.Spec{Order: o.String(), Node: node.String(), Command: []string{self(t)},
			Env: map[string]string{jobstest.Env: prog}})
	}
	a, err := submit(orders[0], jobstest.Sleep)
	require.NoError(t, err)
	b, err := submit(orders[1], jobstest.Sleep)
	require.NoError(t, err)
	assert.Equal(t, []string{"GPU-0", "GPU-1"}, a.GPUs)
	assert.Equal(t, []string{"GPU-2"}, b.GPUs)
	_, err = submit(orders[2], jobstest.Sleep)
	assert.Equal(t, http.StatusServiceUnavailable, status(err), "no 2 GPUs free: %v", err)
	// The first order's second job shares its GPUs and sees them.
	env, err := client.Submit(ctx, hs.URL, jobs.Spec{Order: orders[0].String(), Node: node.String(), Command: []string{self(t)},
		Env: map[string]string{jobstest.Env: jobstest.GPUs}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		logs, _ := client.Logs(ctx, hs.URL, env.ID)
		return strings.Contains(logs, "CUDA_VISIBLE_DEVICES=GPU-0,GPU-1")
	}, 10*time.Second, 20*time.Millisecond)
	// The first order ends: once both its jobs have ended, its GPUs go to the third.
	hires.end(orders[0])
	require.Eventually(t, func() bool {
		for _, id := range []string{a.ID, env.ID} {
			if st, err := client.Job(ctx, hs.URL, id); err != nil || st.Ended == nil {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond)
	c, err := submit(orders[2], jobstest.Sleep)
	require.NoError(t, err)
	assert.Equal(t, []string{"GPU-0", "GPU-1"}, c.GPUs)
}

type multiHires struct {
	mu    sync.Mutex
	hires map[solana.PublicKey]jobs.Hire
}

func (f *multiHires) Hire(_ context.Context, order solana.PublicKey) (jobs.Hire, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.hires[order]
	if !ok {
		return jobs.Hire{}, errors.New("no such order")
	}
	return h, nil
}

func (f *multiHires) end(order solana.PublicKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.hires[order]
	h.Active, h.Reason = false, "order Ended"
	f.hires[order] = h
}
