package jobs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/worker/jobs"
)

// fakeRuntime installs an executable `name` in dir whose `info` prints msg and exits
// with code.
func fakeRuntime(t *testing.T, dir, name, msg string, code int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	script := "#!/bin/sh\necho '" + msg + "'\nexit " + string(rune('0'+code)) + "\n"
	require.NoError(t, os.WriteFile(p, []byte(script), 0o755))
	return p
}

// A docker client without a daemon (as on a machine with the CLI installed and no
// dockerd) cannot start a job: auto detection skips it and says why.
func TestDetectRuntimeSkipsARuntimeThatDoesNotAnswer(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	fakeRuntime(t, dir, "docker", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock", 1)
	rt, skipped := jobs.DetectRuntime()
	assert.Empty(t, rt)
	require.Len(t, skipped, 1)
	assert.Contains(t, skipped[0], "docker info")
	assert.Contains(t, skipped[0], "Cannot connect to the Docker daemon")

	// A podman that answers is taken, and listed first.
	podman := fakeRuntime(t, dir, "podman", "host: ok", 0)
	rt, skipped = jobs.DetectRuntime()
	assert.Equal(t, podman, rt)
	assert.Empty(t, skipped)

	// With a broken podman, a docker that answers is taken and podman is reported.
	fakeRuntime(t, dir, "podman", "cannot connect to podman socket", 2)
	docker := fakeRuntime(t, dir, "docker", "Server Version: 27", 0)
	rt, skipped = jobs.DetectRuntime()
	assert.Equal(t, docker, rt)
	require.Len(t, skipped, 1)
	assert.Contains(t, skipped[0], "podman info")
	assert.Contains(t, skipped[0], "cannot connect to podman socket")
}

func TestDetectRuntimeWithNoneInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	rt, skipped := jobs.DetectRuntime()
	assert.Empty(t, rt)
	assert.Empty(t, skipped)
}
