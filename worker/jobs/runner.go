package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Launch is what a Runner starts: one job's command for one node.
type Launch struct {
	ID      string
	Command []string // program and arguments
	Env     []string // KEY=VALUE, the whole environment
	Dir     string   // working directory (the job's own, under the worker's data dir)
	Image   string   // container image (container runners only)
	// GPUs are the UUIDs of the node's GPUs the job's order holds (none on a CPU
	// node); the job sees only these.
	GPUs   []string
	Output io.Writer
}

// Process is a started job.
type Process interface {
	// Wait blocks until the job ends and returns its exit code (−1 when killed by a
	// signal).
	Wait() (int, error)
	// Stop asks the job to end (SIGTERM) and kills it after grace.
	Stop(grace time.Duration)
}

// Runner starts jobs.
type Runner interface {
	Name() string
	Start(l Launch) (Process, error)
}

// Limits are the resource limits of a job's processes (setrlimit; 0: unlimited).
type Limits struct {
	AddressSpace uint64 // RLIMIT_AS, bytes
	OpenFiles    uint64 // RLIMIT_NOFILE
	Processes    uint64 // RLIMIT_NPROC (per user: counts the user's other processes too)
	CPUSeconds   uint64 // RLIMIT_CPU
	FileSize     uint64 // RLIMIT_FSIZE, bytes
}

func (l Limits) pairs() []struct {
	name     string
	resource int
	value    uint64
} {
	return []struct {
		name     string
		resource int
		value    uint64
	}{
		{"as", unix.RLIMIT_AS, l.AddressSpace}, {"nofile", unix.RLIMIT_NOFILE, l.OpenFiles},
		{"nproc", unix.RLIMIT_NPROC, l.Processes}, {"cpu", unix.RLIMIT_CPU, l.CPUSeconds},
		{"fsize", unix.RLIMIT_FSIZE, l.FileSize},
	}
}

// lowered is the limit n for resource, never above the worker's own hard limit (an
// unprivileged worker cannot raise it; the job gets the lower of the two).
func lowered(resource int, n uint64) *unix.Rlimit {
	var cur unix.Rlimit
	if err := unix.Getrlimit(resource, &cur); err == nil && cur.Max != unix.RLIM_INFINITY && cur.Max < n {
		n = cur.Max
	}
	return &unix.Rlimit{Cur: n, Max: n}
}

// HelperArg is the first argument that turns a binary into the limit helper
// (LimitedMain): `<binary> __ionet-exec-limited as=N nofile=N … -- program args…`.
const HelperArg = "__ionet-exec-limited"

// args is the helper's argument list for l and the command.
func (l Limits) args(command []string) []string {
	out := []string{HelperArg}
	for _, p := range l.pairs() {
		if p.value > 0 {
			out = append(out, p.name+"="+strconv.FormatUint(p.value, 10))
		}
	}
	return append(append(out, "--"), command...)
}

// LimitedMain is the limit helper: when args[1] is HelperArg it sets the limits
// named in args on itself with setrlimit and execs the command, which inherits them
// before it runs a single instruction; it returns only when args is not a helper
// call. ionet-worker's main and test binaries' TestMain call it first.
func LimitedMain(args []string) bool {
	if len(args) < 2 || args[1] != HelperArg {
		return false
	}
	fail := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "ionet job: "+format+"\n", a...)
		os.Exit(127)
	}
	rest := args[2:]
	byName := map[string]int{}
	for _, p := range (Limits{}).pairs() {
		byName[p.name] = p.resource
	}
	for len(rest) > 0 && rest[0] != "--" {
		name, v, ok := strings.Cut(rest[0], "=")
		res, known := byName[name]
		n, err := strconv.ParseUint(v, 10, 64)
		if !ok || !known || err != nil {
			fail("limit %q: want name=value", rest[0])
		}
		if err := unix.Setrlimit(res, lowered(res, n)); err != nil {
			fail("setrlimit %s=%d: %v", name, n, err)
		}
		rest = rest[1:]
	}
	if len(rest) < 2 {
		fail("no command after --")
	}
	path, err := exec.LookPath(rest[1])
	if err != nil {
		fail("%v", err)
	}
	if err := unix.Exec(path, rest[1:], os.Environ()); err != nil {
		fail("exec %s: %v", path, err)
	}
	return true // unreachable
}

// ProcessRunner runs a job as a plain process group under Limits. With Helper (the
// worker's own binary, LimitedMain), the limits are set before the command starts;
// without it they are applied with prlimit right after it started, which a job
// forking at once could outrun.
type ProcessRunner struct {
	Limits Limits
	// Helper is the binary whose LimitedMain applies the limits (os.Executable() of
	// ionet-worker); "" for prlimit after start.
	Helper string
}

// Name is "process".
func (ProcessRunner) Name() string { return "process" }

// Start starts l.Command in a new process group.
func (r ProcessRunner) Start(l Launch) (Process, error) {
	if len(l.Command) == 0 {
		return nil, errors.New("process runner: empty command")
	}
	var cmd *exec.Cmd
	if r.Helper != "" {
		cmd = exec.Command(r.Helper, r.Limits.args(l.Command)...)
	} else {
		path, err := exec.LookPath(l.Command[0])
		if err != nil {
			return nil, fmt.Errorf("process runner: %w", err)
		}
		cmd = exec.Command(path, l.Command[1:]...)
	}
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = l.Env, l.Dir, l.Output, l.Output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("process runner: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	if r.Helper == "" {
		for _, lim := range r.Limits.pairs() {
			if lim.value == 0 {
				continue
			}
			if err := unix.Prlimit(cmd.Process.Pid, lim.resource, lowered(lim.resource, lim.value), nil); err != nil {
				p.Stop(0)
				_, _ = p.Wait()
				return nil, fmt.Errorf("process runner: prlimit %s: %w", lim.name, err)
			}
		}
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	once sync.Once
}

func (p *process) Wait() (int, error) {
	<-p.done
	if p.err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode(), nil
	}
	return -1, p.err
}

// Stop signals the whole process group: the job's children end with it.
func (p *process) Stop(grace time.Duration) {
	p.once.Do(func() {
		pgid := p.cmd.Process.Pid
		_ = unix.Kill(-pgid, unix.SIGTERM)
		go func() {
			select {
			case <-p.done:
			case <-time.After(grace):
			}
			_ = unix.Kill(-pgid, unix.SIGKILL)
		}()
	})
}

// ContainerRunner runs a job in a container of Image (or the runner's default) with
// podman or docker: host network (IONET_PEERS are host addresses), memory and
// process limits from Limits, the order's GPUs passed in, removed when it ends.
type ContainerRunner struct {
	// Runtime is the podman or docker binary.
	Runtime string
	// DefaultImage is used when a job names none.
	DefaultImage string
	Limits       Limits
}

// DetectRuntime finds podman or docker on PATH that answers `<runtime> info` within
// 10 s: an installed docker client without a running daemon cannot start a job, so
// it is skipped. It returns "" when none answers, and why each installed one was
// skipped.
func DetectRuntime() (path string, skipped []string) {
	for _, name := range []string{"podman", "docker"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if err := RuntimeAnswers(p); err != nil {
			skipped = append(skipped, err.Error())
			continue
		}
		return p, skipped
	}
	return "", skipped
}

// RuntimeAnswers runs `<runtime> info` with a 10 s limit and returns its error and
// the last line it printed when it fails.
func RuntimeAnswers(runtime string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, runtime, "info").CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return fmt.Errorf("%s info: %w: %s", baseName(runtime), err, lines[len(lines)-1])
	}
	return nil
}

// Name is "container:<runtime>".
func (r ContainerRunner) Name() string { return "container:" + baseName(r.Runtime) }

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// containerName is the container of job id.
func containerName(id string) string { return "ionet-job-" + id }

// Args is the runtime's command line for l.
func (r ContainerRunner) Args(l Launch) ([]string, error) {
	image := l.Image
	if image == "" {
		image = r.DefaultImage
	}
	if image == "" {
		return nil, errors.New("container runner: the job names no image and the worker has no default")
	}
	if len(l.Command) == 0 {
		return nil, errors.New("container runner: empty command")
	}
	args := []string{"run", "--rm", "--name", containerName(l.ID), "--network", "host", "--workdir", "/job",
		"--volume", l.Dir + ":/job"}
	if r.Limits.AddressSpace > 0 {
		args = append(args, "--memory", strconv.FormatUint(r.Limits.AddressSpace, 10))
	}
	if r.Limits.Processes > 0 {
		args = append(args, "--pids-limit", strconv.FormatUint(r.Limits.Processes, 10))
	}
	if r.Limits.OpenFiles > 0 {
		n := strconv.FormatUint(r.Limits.OpenFiles, 10)
		args = append(args, "--ulimit", "nofile="+n+":"+n)
	}
	if len(l.GPUs) > 0 {
		if baseName(r.Runtime) == "podman" {
			for _, g := range l.GPUs {
				args = append(args, "--device", "nvidia.com/gpu="+g) // CDI names GPUs by UUID too
			}
		} else {
			args = append(args, "--gpus", `"device=`+strings.Join(l.GPUs, ",")+`"`)
		}
	}
	for _, e := range l.Env {
		if strings.HasPrefix(e, "PATH=") || strings.HasPrefix(e, "HOME=") {
			continue // the image's own
		}
		args = append(args, "--env", e)
	}
	return append(append(args, image), l.Command...), nil
}

// Start runs the container in the foreground of a runtime process.
func (r ContainerRunner) Start(l Launch) (Process, error) {
	args, err := r.Args(l)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(r.Runtime, args...)
	cmd.Stdout, cmd.Stderr = l.Output, l.Output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("container runner: %w", err)
	}
	p := &container{process: process{cmd: cmd, done: make(chan struct{})}, runtime: r.Runtime, name: containerName(l.ID)}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

type container struct {
	process
	runtime, name string
}

// Stop asks the runtime to stop the container, then ends the runtime's process.
func (c *container) Stop(grace time.Duration) {
	secs := strconv.Itoa(max(1, int(grace.Seconds())))
	_ = exec.Command(c.runtime, "stop", "--time", secs, c.name).Run()
	c.process.Stop(grace)
}
