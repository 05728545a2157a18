package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
)

// Paid is one claim that landed: what it was for and what reached the operator.
type Paid struct {
	// Kind is "hire" (io-hire earnings of an order) or "availability" (io-rewards).
	Kind string `json:"kind"`
	// Order is the hire order (hire claims), Epoch the report's epoch (availability).
	Order     string `json:"order,omitempty"`
	Epoch     uint64 `json:"epoch,omitempty"`
	Mint      string `json:"mint"`
	Amount    uint64 `json:"amount"` // base units that reached the operator's account
	Signature string `json:"signature"`
}

// Claims are the chain clients a claim uses.
type Claims struct {
	Staking *staking.Client
	Hire    *hire.Client
	Rewards *rewards.Client
	// HTTP fetches proofs from a keeper (http.DefaultClient when nil).
	HTTP *http.Client
}

// NewClaims is Claims over one JSON-RPC endpoint.
func NewClaims(rpcURL string) Claims {
	s := staking.New(rpcURL)
	return Claims{Staking: s, Hire: &hire.Client{Staking: s}, Rewards: &rewards.Client{Staking: s}}
}

// assignmentNodeOffset is where an Assignment holds its node: discriminator 8, order 32.
const assignmentNodeOffset = 8 + 32

// HireEarnings claims node's earnings on every open assignment, paid to operator's
// account in each order's mint (created when missing; the operator pays the fees).
// An assignment with nothing owed pays 0 and is not listed.
func (c Claims) HireEarnings(ctx context.Context, operator solana.PrivateKey, node solana.PublicKey) ([]Paid, error) {
	out, err := c.Staking.RPC.GetProgramAccountsWithOpts(ctx, iohire.ProgramID, &rpc.GetProgramAccountsOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed,
		Filters: []rpc.RPCFilter{
			{Memcmp: &rpc.RPCFilterMemcmp{Offset: 0, Bytes: solana.Base58(iohire.Account_Assignment[:])}},
			{Memcmp: &rpc.RPCFilterMemcmp{Offset: assignmentNodeOffset, Bytes: solana.Base58(node[:])}},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", node, err)
	}
	var paid []Paid
	for _, a := range out {
		as, err := iohire.ParseAccount_Assignment(a.Account.Data.GetBinary())
		if err != nil {
			return paid, fmt.Errorf("assignment %s: %w", a.Pubkey, err)
		}
		order, err := c.Hire.Order(ctx, as.Order)
		if err != nil {
			return paid, err
		}
		ixs, err := hire.ClaimEarnings(operator.PublicKey(), as.Order, node, operator.PublicKey(), order.Mint, as.RentPayer)
		if err != nil {
			return paid, err
		}
		p, err := c.paid(ctx, operator, order.Mint, ixs)
		if err != nil {
			return paid, fmt.Errorf("claim earnings of order %s: %w", as.Order, err)
		}
		p.Kind, p.Order = "hire", as.Order.String()
		if p.Amount > 0 {
			paid = append(paid, p)
		}
	}
	return paid, nil
}

// paid sends ixs and measures what operator's account for mint gained.
func (c Claims) paid(ctx context.Context, operator solana.PrivateKey, mint solana.PublicKey, ixs []solana.Instruction) (Paid, error) {
	account := staking.ATA(operator.PublicKey(), mint)
	before, err := c.Staking.TokenBalance(ctx, account)
	if err != nil {
		return Paid{}, err
	}
	sig, err := c.Staking.SendNamed(ctx, hire.Errors, []solana.PrivateKey{operator}, ixs...)
	if err != nil {
		return Paid{}, err
	}
	after, err := c.Staking.TokenBalance(ctx, account)
	if err != nil {
		return Paid{}, err
	}
	var amount uint64
	if after > before {
		amount = after - before
	}
	return Paid{Mint: mint.String(), Amount: amount, Signature: sig.String()}, nil
}

// Proof is a keeper's GET /proofs/{node}: the node's latest final leaf, its Merkle
// proof and the report's root (chain/rewards, which the ionet CLI shares).
type Proof = rewards.Proof

// ErrNoProof is wrapped when the keeper holds no final report with the node.
var ErrNoProof = rewards.ErrNoProof

// FetchProof gets node's proof from the keeper at endpoint.
func (c Claims) FetchProof(ctx context.Context, keeper string, node solana.PublicKey) (Proof, error) {
	return rewards.FetchProof(ctx, c.HTTP, keeper, node)
}

// Owed is what a claim with p would pay node st is the claim state of: the leaf's
// cumulative reward less what was claimed, or 0 when the leaf's epoch is claimed
// already.
func Owed(p Proof, st iorewards.ClaimState) uint64 {
	if st.LastEpoch != nil && *st.LastEpoch >= p.Leaf.Epoch {
		return 0
	}
	if p.Leaf.CumulativeReward <= st.Claimed {
		return 0
	}
	return p.Leaf.CumulativeReward - st.Claimed
}

// Availability claims node's availability rewards with p, once its root is the
// chain's final root of that epoch: the claim pays cumulative − claimed to the
// operator and refreshes the node's attested capacity. A leaf whose epoch is claimed
// already sends nothing (ok false). A newer leaf is claimed even when it owes nothing
// more (an epoch the node was hired through): the claim still refreshes the
// attestation, without which the node stops being hireable after
// max_attestation_age_epochs.
func (c Claims) Availability(ctx context.Context, operator solana.PrivateKey, p Proof) (Paid, bool, error) {
	cfg, err := c.Staking.Config(ctx)
	if err != nil {
		return Paid{}, false, err
	}
	if err := c.Rewards.VerifyProof(ctx, p, cfg.IoMint); err != nil {
		return Paid{}, false, err
	}
	st, err := c.Rewards.NodeClaims(ctx, p.Leaf.Node)
	if err != nil {
		return Paid{}, false, err
	}
	if st.LastEpoch != nil && *st.LastEpoch >= p.Leaf.Epoch {
		return Paid{}, false, nil
	}
	ixs, err := rewards.Claim(operator.PublicKey(), operator.PublicKey(), cfg.IoMint, p.Leaf, p.ProofArg())
	if err != nil {
		return Paid{}, false, err
	}
	paid, err := c.paid(ctx, operator, cfg.IoMint, ixs)
	if err != nil {
		return Paid{}, false, fmt.Errorf("claim epoch %d: %w", p.Leaf.Epoch, err)
	}
	paid.Kind, paid.Epoch = "availability", p.Leaf.Epoch
	return paid, true, nil
}

// KeeperEndpoints are the endpoints of the keepers registered in io-rewards, in key
// order: where proofs are asked for when no keeper is named.
func KeeperEndpoints(ctx context.Context, rpcURL string) ([]string, error) {
	snap, err := follower.Read(ctx, rpcURL)
	if err != nil {
		return nil, err
	}
	keys := make([]solana.PublicKey, 0, len(snap.Keepers))
	for k := range snap.Keepers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i][:], keys[j][:]) < 0 })
	var out []string
	for _, k := range keys {
		if e := snap.Keepers[k].Endpoint; e != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

// All claims node's hire earnings, then its availability rewards with the first
// proof one of keepers serves (a keeper without one, or unreachable, is skipped).
// It returns what was paid; an availability claim already made pays nothing.
func (c Claims) All(ctx context.Context, operator solana.PrivateKey, node solana.PublicKey, keepers []string) ([]Paid, error) {
	paid, err := c.HireEarnings(ctx, operator, node)
	if err != nil {
		return paid, err
	}
	var errs []error
	for _, k := range keepers {
		p, err := c.FetchProof(ctx, k, node)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got, ok, err := c.Availability(ctx, operator, p)
		if err != nil {
			return paid, err
		}
		if ok {
			paid = append(paid, got)
		}
		return paid, nil
	}
	if len(keepers) == 0 {
		return paid, errors.New("no keeper to ask for a proof")
	}
	if all := errors.Join(errs...); len(errs) > 0 && allNoProof(errs) {
		return paid, fmt.Errorf("availability: %w", ErrNoProof)
	} else if all != nil {
		return paid, fmt.Errorf("availability: no keeper served a proof: %w", all)
	}
	return paid, nil
}

func allNoProof(errs []error) bool {
	for _, e := range errs {
		if !errors.Is(e, ErrNoProof) {
			return false
		}
	}
	return true
}
