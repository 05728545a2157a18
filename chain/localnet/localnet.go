// Package localnet is the client side of ionet-localnet's development conveniences:
// its genesis.json (mints, the faucet and its keypair file) and its development-only
// RPC methods. Nothing here exists on a real cluster; the `ionet dev` commands and the
// tests use it.
package localnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"

	"github.com/ionet-network/ionet/chain/staking"
)

// Genesis is the part of genesis.json (localnet/src/genesis.rs) Go reads.
type Genesis struct {
	Mints struct {
		IO           solana.PublicKey `json:"io"`
		IODecimals   uint8            `json:"ioDecimals"`
		IOSD         solana.PublicKey `json:"iosd"`
		IOSDDecimals uint8            `json:"iosdDecimals"`
	} `json:"mints"`
	Configs struct {
		Staking solana.PublicKey `json:"staking"`
	} `json:"configs"`
	Accounts struct {
		Faucet   solana.PublicKey `json:"faucet"`
		FaucetIO solana.PublicKey `json:"faucetIo"`
	} `json:"accounts"`
	// SlotMs is the slot length: the clock moves SlotMs per slot.
	SlotMs   int64 `json:"slotMs"`
	Keypairs struct {
		Faucet string `json:"faucet"`
		Admin  string `json:"admin"`
	} `json:"keypairs"`
}

// ReadGenesis reads genesis.json at path.
func ReadGenesis(path string) (*Genesis, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read genesis: %w", err)
	}
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("parse genesis %s: %w", path, err)
	}
	return &g, nil
}

// Faucet loads the faucet's keypair: it holds SOL, the genesis $IO and IOSD's mint
// authority.
func (g *Genesis) Faucet() (solana.PrivateKey, error) {
	k, err := solana.PrivateKeyFromSolanaKeygenFile(g.Keypairs.Faucet)
	if err != nil {
		return nil, fmt.Errorf("faucet keypair: %w", err)
	}
	return k, nil
}

// FundInstructions send lamports of SOL and io base units of $IO from the faucet to
// to (its $IO ATA is created when missing).
func (g *Genesis) FundInstructions(faucet solana.PublicKey, to solana.PublicKey, lamports, io uint64) []solana.Instruction {
	var ixs []solana.Instruction
	if lamports > 0 {
		ixs = append(ixs, transferSOL(faucet, to, lamports))
	}
	if io > 0 {
		ixs = append(ixs,
			staking.CreateATAIdempotent(faucet, to, g.Mints.IO),
			token.NewTransferCheckedInstruction(io, g.Mints.IODecimals, g.Accounts.FaucetIO, g.Mints.IO,
				staking.ATA(to, g.Mints.IO), faucet, nil).Build())
	}
	return ixs
}

// MintIOSDInstructions mint amount micro-USD of IOSD to to's associated account
// (created when missing): the faucet is IOSD's mint authority on a localnet.
func (g *Genesis) MintIOSDInstructions(faucet, to solana.PublicKey, amount uint64) []solana.Instruction {
	return []solana.Instruction{
		staking.CreateATAIdempotent(faucet, to, g.Mints.IOSD),
		token.NewMintToCheckedInstruction(amount, g.Mints.IOSDDecimals, g.Mints.IOSD, staking.ATA(to, g.Mints.IOSD),
			faucet, nil).Build(),
	}
}

// WaitUntil returns once the chain's clock (the Clock sysvar) has reached unix time
// ts, polling it.
func WaitUntil(ctx context.Context, c *staking.Client, ts int64) error {
	for {
		now, err := c.Now(ctx)
		if err != nil {
			return err
		}
		if now >= ts {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Warp moves the chain's clock forward by d (rounded up to whole slots of slotMs)
// with ionet_warpSlot; it returns the slot now.
func Warp(ctx context.Context, client *rpc.Client, slotMs int64, d time.Duration) (uint64, error) {
	if slotMs <= 0 {
		return 0, fmt.Errorf("slot length %d ms", slotMs)
	}
	slot, err := client.GetSlot(ctx, rpc.CommitmentConfirmed)
	if err != nil {
		return 0, fmt.Errorf("getSlot: %w", err)
	}
	ms := d.Milliseconds()
	return WarpSlot(ctx, client, slot+uint64((ms+slotMs-1)/slotMs))
}

// Capacity is what ionet_attestCapacity writes into a node, as io-rewards' attestor
// will from finalized epoch reports once keepers exist.
type Capacity struct {
	Epoch       uint64 `json:"epoch"`
	Class       uint8  `json:"class"`
	TopsMilli   uint64 `json:"topsMilli"`
	UptimeBps   uint16 `json:"uptimeBps"`
	EpochReward uint64 `json:"epochReward"`
}

// AttestCapacity calls the development-only ionet_attestCapacity; it returns the slot
// of the write.
func AttestCapacity(ctx context.Context, client *rpc.Client, node solana.PublicKey, c Capacity) (uint64, error) {
	var out struct {
		Slot uint64 `json:"slot"`
	}
	if err := client.RPCCallForInto(ctx, &out, "ionet_attestCapacity", []any{node.String(), c}); err != nil {
		return 0, fmt.Errorf("ionet_attestCapacity: %w", err)
	}
	return out.Slot, nil
}

// WarpSlot moves the chain (and its clock) forward to slot; it returns the slot now.
func WarpSlot(ctx context.Context, client *rpc.Client, slot uint64) (uint64, error) {
	var now uint64
	if err := client.RPCCallForInto(ctx, &now, "ionet_warpSlot", []any{slot}); err != nil {
		return 0, fmt.Errorf("ionet_warpSlot: %w", err)
	}
	return now, nil
}

// ErrNotLocalnet is wrapped when the RPC node does not answer ionet-localnet's
// development methods: a real cluster, where nothing here exists.
var ErrNotLocalnet = errors.New("not an ionet-localnet (it does not answer ionet_genesis)")

// ErrNoGenesis: an ionet-localnet started with --no-genesis, before ionet admin genesis.
var ErrNoGenesis = errors.New("this ionet-localnet has no genesis yet (started with --no-genesis): no mints and no faucet funds until `ionet admin genesis` runs")

// FetchGenesis asks the node for its genesis.json (ionet_genesis): the mints, the
// faucet and its keypair file. A node without the method, any real cluster, gives an
// error wrapping ErrNotLocalnet.
func FetchGenesis(ctx context.Context, client *rpc.Client) (*Genesis, error) {
	var raw json.RawMessage
	err := client.RPCCallForInto(ctx, &raw, "ionet_genesis", []any{})
	var rpcErr *jsonrpc.RPCError
	if errors.As(err, &rpcErr) && rpcErr.Code == -32601 {
		return nil, ErrNotLocalnet
	}
	if err != nil {
		return nil, fmt.Errorf("ionet_genesis: %w", err)
	}
	// A --no-genesis localnet lists no mints until ionet admin genesis runs.
	var probe struct {
		Mints struct {
			IO string `json:"io"`
		} `json:"mints"`
	}
	if err := json.Unmarshal(raw, &probe); err == nil && probe.Mints.IO == "" {
		return nil, ErrNoGenesis
	}
	var g Genesis
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("ionet_genesis: %w", err)
	}
	if g.Keypairs.Faucet == "" {
		return nil, fmt.Errorf("ionet_genesis: no faucet keypair: %w", ErrNotLocalnet)
	}
	return &g, nil
}

// Detect says whether the RPC node is an ionet-localnet (it answers ionet_genesis).
// A node that could not say, unreachable or failing, gives an error, so that callers
// caching the answer ask again later.
func Detect(ctx context.Context, client *rpc.Client) (bool, error) {
	_, err := FetchGenesis(ctx, client)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotLocalnet):
		return false, nil
	}
	return false, err
}
