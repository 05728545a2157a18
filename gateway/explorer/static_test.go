package explorer

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The page and everything it loads come from the binary: the HTML, its script and
// style, and the vendored uPlot with its licence.
func TestPageAndAssetsAreServedFromTheBinary(t *testing.T) {
	srv := httptest.NewServer(New(Config{RPCURL: "http://127.0.0.1:1"}).Handler())
	defer srv.Close()
	for path, want := range map[string]string{
		"/": "text/html",
		"/nodes/11111111111111111111111111111111":         "text/html",
		"/static/explorer/app.js":                         "javascript",
		"/static/explorer/style.css":                      "text/css",
		"/static/explorer/vendor/uplot/uPlot.iife.min.js": "javascript",
		"/static/explorer/vendor/uplot/uPlot.min.css":     "text/css",
		"/static/explorer/vendor/uplot/LICENSE":           "text/plain",
	} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Contains(t, resp.Header.Get("Content-Type"), want, path)
		assert.NotEmpty(t, body, path)
	}
	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'")
	resp, err = http.Get(srv.URL + "/no/such/page")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the explorer takes / exactly, not every path")
}

// No CDN: every script, stylesheet and fetch the page makes is relative to the
// gateway.
func TestNoResourceComesFromAnotherHost(t *testing.T) {
	loads := regexp.MustCompile(`(?:src|href)="([^"]*)"|fetch\(\s*["'` + "`" + `]([^"'` + "`" + `]*)`)
	checked := 0
	err := fs.WalkDir(static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "/vendor/") {
			return err
		}
		b, err := static.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range loads.FindAllStringSubmatch(string(b), -1) {
			ref := m[1] + m[2]
			// The footer's link to uPlot's home is a link, not a load.
			if ref == "https://github.com/leeoniya/uPlot" {
				continue
			}
			assert.False(t, strings.Contains(ref, "//"), "%s loads %q from another host", path, ref)
			checked++
		}
		return nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, checked, 4, "the page's scripts and styles were checked")
	lic, err := static.ReadFile("static/vendor/uplot/LICENSE")
	require.NoError(t, err)
	assert.Contains(t, string(lic), "MIT License")
}

// Without a chain the API says so with 502, as JSON.
func TestAPIWithoutAChainIsABadGateway(t *testing.T) {
	srv := httptest.NewServer(New(Config{RPCURL: "http://127.0.0.1:1"}).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/network")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Contains(t, string(body), `"error"`)
	assert.NotContains(t, string(body), "127.0.0.1:1", "the RPC URL (which may hold an API key) is not shown")
}
