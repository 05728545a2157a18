package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// EndpointFile holds, inside the data directory, the endpoint the node was last
// registered with: where run listens when the chain cannot say.
const EndpointFile = "endpoint"

// DefaultListen is where run listens when no endpoint names a port.
const DefaultListen = ":7080"

// SaveEndpoint records the registered endpoint in dataDir.
func SaveEndpoint(dataDir, endpoint string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, EndpointFile), []byte(endpoint+"\n"), 0o600)
}

// LoadEndpoint reads the endpoint SaveEndpoint recorded; "" when there is none.
func LoadEndpoint(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, EndpointFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("registered endpoint: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// EndpointPort is the port an endpoint names ("http://host:7081" → "7081"), "" when
// it names none: behind "https://worker.example" may be a proxy on any port.
func EndpointPort(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		if u, err = url.Parse("http://" + endpoint); err != nil { // host:port without a scheme
			return ""
		}
	}
	return u.Port()
}

// ListenAddr is where run serves: listen when it was given (given: by flag,
// environment or config), else every interface on the port of the registered
// endpoint, else DefaultListen. warn says why a given listen's port differs from the
// endpoint's, which keepers and renters call ("" when they agree or cannot be told).
func ListenAddr(listen string, given bool, endpoint string) (addr, warn string) {
	port := EndpointPort(endpoint)
	if !given {
		if port == "" {
			return DefaultListen, ""
		}
		return ":" + port, ""
	}
	if _, p, err := net.SplitHostPort(listen); err == nil && port != "" && p != port {
		warn = fmt.Sprintf("--listen %s serves port %s, but the node's registered endpoint %s is port %s: keepers and renters call the endpoint",
			listen, p, endpoint, port)
	}
	return listen, warn
}
