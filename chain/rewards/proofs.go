package rewards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	goio "io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/report"
)

// What a keeper serves to claimers (keeper/server.go), read and checked against the
// chain: GET /proofs/{node}, a node's latest final leaf with its Merkle proof and the
// report's root, and GET /reports/{epoch}, a final report with every leaf. Neither is
// trusted: a proof must verify against the epoch's final root on chain, and a
// report's leaves must hash to it.

// Proof is a keeper's GET /proofs/{node}.
type Proof struct {
	Leaf  report.Leaf   `json:"leaf"`
	Proof []merkle.Hash `json:"proof"`
	Root  merkle.Hash   `json:"root"`
}

// ErrNoProof is wrapped when the keeper holds no final report with the node.
var ErrNoProof = errors.New("no final report holds the node")

// ErrNoReport is wrapped when the keeper holds no final report of the epoch.
var ErrNoReport = errors.New("no final report of that epoch")

// get fetches a keeper's JSON at path into v; a 404 is notFound.
func get(ctx context.Context, h *http.Client, keeper, path string, v any, notFound error) error {
	url := strings.TrimRight(keeper, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if h == nil {
		h = http.DefaultClient
	}
	resp, err := h.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := goio.ReadAll(goio.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return notFound
	default:
		return fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, v)
}

// FetchProof gets node's proof from the keeper at endpoint (h: http.DefaultClient
// when nil).
func FetchProof(ctx context.Context, h *http.Client, keeper string, node solana.PublicKey) (Proof, error) {
	var p Proof
	if err := get(ctx, h, keeper, "/proofs/"+node.String(), &p, ErrNoProof); err != nil {
		return Proof{}, fmt.Errorf("proof from %s: %w", keeper, err)
	}
	if !p.Leaf.Node.Equals(node) {
		return Proof{}, fmt.Errorf("proof from %s is for node %s, not %s", keeper, p.Leaf.Node, node)
	}
	return p, nil
}

// FetchReport gets epoch's final report from the keeper at endpoint.
func FetchReport(ctx context.Context, h *http.Client, keeper string, epoch uint64) (report.EpochReport, error) {
	var r report.EpochReport
	if err := get(ctx, h, keeper, "/reports/"+strconv.FormatUint(epoch, 10), &r, ErrNoReport); err != nil {
		return report.EpochReport{}, fmt.Errorf("report of epoch %d from %s: %w", epoch, keeper, err)
	}
	if r.Epoch != epoch {
		return report.EpochReport{}, fmt.Errorf("report from %s is of epoch %d, not %d", keeper, r.Epoch, epoch)
	}
	return r, nil
}

// VerifyProof checks p against the chain: its epoch is final with p's root, and the
// proof takes the leaf (encoded for this deployment's $IO mint) to that root.
func (c *Client) VerifyProof(ctx context.Context, p Proof, ioMint solana.PublicKey) error {
	ep, err := c.EpochReport(ctx, p.Leaf.Epoch)
	if err != nil {
		return err
	}
	if !ep.Finalized || ep.Root != [32]uint8(p.Root) {
		return fmt.Errorf("the keeper's root for epoch %d is not the chain's final root", p.Leaf.Epoch)
	}
	if !merkle.Verify(p.Root, merkle.LeafHash(p.Leaf.Encode(iorewards.ProgramID, ioMint)), p.Proof) {
		return fmt.Errorf("the keeper's proof for epoch %d does not verify", p.Leaf.Epoch)
	}
	return nil
}

// VerifyReport checks that r's leaves hash to its epoch's final root on chain.
func (c *Client) VerifyReport(ctx context.Context, r report.EpochReport, ioMint solana.PublicKey) error {
	ep, err := c.EpochReport(ctx, r.Epoch)
	if err != nil {
		return err
	}
	if !ep.Finalized {
		return fmt.Errorf("epoch %d is not final on chain", r.Epoch)
	}
	var root merkle.Hash
	if len(r.Leaves) > 0 {
		tree, err := report.Tree(r.Leaves, iorewards.ProgramID, ioMint)
		if err != nil {
			return fmt.Errorf("report of epoch %d: %w", r.Epoch, err)
		}
		root = tree.Root()
	}
	if ep.Root != [32]uint8(root) {
		return fmt.Errorf("the keeper's report of epoch %d does not hash to the chain's final root", r.Epoch)
	}
	return nil
}

// ProofArg is p's proof as the claim instruction takes it.
func (p Proof) ProofArg() [][32]uint8 {
	out := make([][32]uint8, len(p.Proof))
	for i, h := range p.Proof {
		out[i] = h
	}
	return out
}
