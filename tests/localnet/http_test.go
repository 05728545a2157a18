package localnet_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// post sends `body` to the node and decodes the JSON answer.
func post(t *testing.T, body string) (int, any) {
	t.Helper()
	resp, err := http.Post(shared.rpcURL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("answer to %.40q is not JSON: %q", body, raw)
	}
	return resp.StatusCode, out
}

func errorCode(t *testing.T, v any) string {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", v)
	}
	e, ok := obj["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error in %v", v)
	}
	return e["code"].(json.Number).String()
}

func TestJSONRPCErrorsOverHTTP(t *testing.T) {
	cases := []struct {
		body string
		code string
	}{
		{`{`, "-32700"},
		{`[]`, "-32600"},
		{`{"jsonrpc":"2.0","id":1}`, "-32600"},
		{`{"jsonrpc":"2.0","id":1,"method":"getNothing"}`, "-32601"},
		{`{"jsonrpc":"2.0","id":1,"method":"getBalance","params":["xyz"]}`, "-32602"},
		{`{"jsonrpc":"2.0","id":1,"method":"getBalance","params":{"a":1}}`, "-32602"},
		{`{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AAAA",{"encoding":"base64"}]}`, "-32602"},
	}
	for _, c := range cases {
		status, v := post(t, c.body)
		if status != http.StatusOK || errorCode(t, v) != c.code {
			t.Errorf("%s: status %d, answer %v, want code %s", c.body, status, v, c.code)
		}
	}
	// Batches answer each request in order.
	_, v := post(t, `[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"nope"}]`)
	list, ok := v.([]any)
	if !ok || len(list) != 2 || list[0].(map[string]any)["result"] != "ok" || errorCode(t, list[1]) != "-32601" {
		t.Fatalf("batch answer = %v", v)
	}
	// Bodies over the cap are refused before they are parsed.
	big := `{"jsonrpc":"2.0","id":1,"method":"getHealth","params":["` + strings.Repeat("x", 60_000) + `"]}`
	status, v := post(t, big)
	if status != http.StatusRequestEntityTooLarge || errorCode(t, v) != "-32600" {
		t.Fatalf("oversized body: status %d, answer %v", status, v)
	}
	resp, err := http.Get(strings.TrimSuffix(shared.rpcURL, "/") + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /health = %d", resp.StatusCode)
	}

	// Prometheus metrics: this test's own requests are counted.
	resp, err = http.Get(strings.TrimSuffix(shared.rpcURL, "/") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, %v", resp.StatusCode, err)
	}
	for _, want := range []string{`ionet_localnet_rpc_requests_total{method="getHealth"} `, "ionet_localnet_slot "} {
		if !strings.Contains(string(text), want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
}
