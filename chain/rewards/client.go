package rewards

import (
	"context"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
)

// Errors names the errors of the programs io-rewards' transactions touch.
var Errors = staking.Decoders{
	iorewards.ProgramID: iorewards.DecodeError,
	iostaking.ProgramID: iostaking.DecodeError,
}

// Client reads io-rewards' accounts and sends its instructions; Staking is the same
// connection as io-staking's client (nodes, token balances, the clock).
type Client struct {
	Staking *staking.Client
}

// New is a Client for the JSON-RPC endpoint at url.
func New(url string) *Client { return &Client{Staking: staking.New(url)} }

// Send signs and sends ixs (the first signer pays), naming io-rewards' and
// io-staking's errors.
func (c *Client) Send(ctx context.Context, signers []solana.PrivateKey, ixs ...solana.Instruction) (solana.Signature, error) {
	return c.Staking.SendNamed(ctx, Errors, signers, ixs...)
}

func (c *Client) data(ctx context.Context, address solana.PublicKey) ([]byte, error) {
	return c.Staking.Data(ctx, address, iorewards.ProgramID, "io-rewards")
}

// Config reads the RewardsConfig.
func (c *Client) Config(ctx context.Context) (*iorewards.RewardsConfig, error) {
	d, err := c.data(ctx, ConfigAddress())
	if err != nil {
		return nil, fmt.Errorf("io-rewards config: %w", err)
	}
	return iorewards.ParseAccount_RewardsConfig(d)
}

// Keeper reads authority's keeper account.
func (c *Client) Keeper(ctx context.Context, authority solana.PublicKey) (*iorewards.Keeper, error) {
	d, err := c.data(ctx, KeeperAddress(authority))
	if err != nil {
		return nil, fmt.Errorf("keeper %s: %w", authority, err)
	}
	return iorewards.ParseAccount_Keeper(d)
}

// EpochReport reads epoch's report.
func (c *Client) EpochReport(ctx context.Context, epoch uint64) (*iorewards.EpochReport, error) {
	d, err := c.data(ctx, EpochAddress(epoch))
	if err != nil {
		return nil, fmt.Errorf("epoch %d report: %w", epoch, err)
	}
	return iorewards.ParseAccount_EpochReport(d)
}

// NodeClaims reads what node's claims have paid; a node that never claimed has the
// zero state.
func (c *Client) NodeClaims(ctx context.Context, node solana.PublicKey) (iorewards.ClaimState, error) {
	d, err := c.data(ctx, NodeClaimsAddress(node))
	if errors.Is(err, staking.ErrNotFound) {
		return iorewards.ClaimState{}, nil
	}
	if err != nil {
		return iorewards.ClaimState{}, fmt.Errorf("node claims: %w", err)
	}
	nc, err := iorewards.ParseAccount_NodeClaims(d)
	if err != nil {
		return iorewards.ClaimState{}, err
	}
	return nc.State, nil
}

// Epochs is io-rewards' epoch clock: epoch e runs from GenesisTs + e × EpochSeconds.
type Epochs struct {
	GenesisTs, EpochSeconds int64
}

// EpochsOf reads the clock from params.
func EpochsOf(p iorewards.RewardsParams) Epochs { return Epochs{p.GenesisTs, p.EpochSeconds} }

// At is the epoch unix time now falls in (0 before genesis).
func (e Epochs) At(now int64) uint64 {
	if now < e.GenesisTs || e.EpochSeconds <= 0 {
		return 0
	}
	return uint64((now - e.GenesisTs) / e.EpochSeconds)
}

// Start is when epoch begins (unix seconds).
func (e Epochs) Start(epoch uint64) int64 { return e.GenesisTs + int64(epoch)*e.EpochSeconds }

// End is when epoch ends: the first second of the next one.
func (e Epochs) End(epoch uint64) int64 { return e.GenesisTs + int64(epoch+1)*e.EpochSeconds }
