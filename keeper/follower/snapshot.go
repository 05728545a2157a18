// Package follower keeps a keeper's view of the chain: every account of io-staking,
// io-rewards and io-hire, caught up with getProgramAccounts and kept current with
// programSubscribe, resynchronized in full after any websocket disconnect. One
// goroutine owns the mutable view; readers get immutable snapshots.
package follower

import (
	"fmt"
	"maps"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
)

// Snapshot is the chain as the follower last saw it. It is never modified once
// published: readers may keep it and share it between goroutines.
type Snapshot struct {
	// Slot is the highest slot any account in the snapshot was read at.
	Slot uint64
	// Synced is false until the first full catch-up completed.
	Synced bool

	StakingConfig *iostaking.StakingConfig
	RewardsConfig *iorewards.RewardsConfig
	HireConfig    *iohire.HireConfig

	// Accounts by address.
	Nodes        map[solana.PublicKey]*iostaking.Node
	Keepers      map[solana.PublicKey]*iorewards.Keeper
	EpochReports map[solana.PublicKey]*iorewards.EpochReport
	NodeClaims   map[solana.PublicKey]*iorewards.NodeClaims
	Orders       map[solana.PublicKey]*iohire.HireOrder
	Assignments  map[solana.PublicKey]*iohire.Assignment
}

// Programs are the programs the follower watches.
var Programs = []solana.PublicKey{iostaking.ProgramID, iorewards.ProgramID, iohire.ProgramID}

func emptySnapshot() *Snapshot {
	return &Snapshot{
		Nodes:        map[solana.PublicKey]*iostaking.Node{},
		Keepers:      map[solana.PublicKey]*iorewards.Keeper{},
		EpochReports: map[solana.PublicKey]*iorewards.EpochReport{},
		NodeClaims:   map[solana.PublicKey]*iorewards.NodeClaims{},
		Orders:       map[solana.PublicKey]*iohire.HireOrder{},
		Assignments:  map[solana.PublicKey]*iohire.Assignment{},
	}
}

// clone copies the maps (not the accounts, which are replaced, never mutated).
func (s *Snapshot) clone() *Snapshot {
	c := *s
	c.Nodes = maps.Clone(s.Nodes)
	c.Keepers = maps.Clone(s.Keepers)
	c.EpochReports = maps.Clone(s.EpochReports)
	c.NodeClaims = maps.Clone(s.NodeClaims)
	c.Orders = maps.Clone(s.Orders)
	c.Assignments = maps.Clone(s.Assignments)
	return &c
}

// remove forgets the account at address, whatever its type.
func (s *Snapshot) remove(address solana.PublicKey) {
	delete(s.Nodes, address)
	delete(s.Keepers, address)
	delete(s.EpochReports, address)
	delete(s.NodeClaims, address)
	delete(s.Orders, address)
	delete(s.Assignments, address)
}

// apply decodes an account owned by one of Programs and stores it at address; an
// account with no data (closed) is removed. Accounts of types the keeper does not
// follow (tickets, delegations, worker bindings) are ignored.
func (s *Snapshot) apply(owner, address solana.PublicKey, data []byte, slot uint64) error {
	s.Slot = max(s.Slot, slot)
	if len(data) == 0 {
		s.remove(address)
		return nil
	}
	var (
		v   any
		err error
	)
	switch owner {
	case iostaking.ProgramID:
		v, err = iostaking.ParseAnyAccount(data)
	case iorewards.ProgramID:
		v, err = iorewards.ParseAnyAccount(data)
	case iohire.ProgramID:
		v, err = iohire.ParseAnyAccount(data)
	default:
		return fmt.Errorf("account %s: owner %s is not a followed program", address, owner)
	}
	if err != nil {
		return fmt.Errorf("account %s of %s: %w", address, owner, err)
	}
	s.remove(address)
	switch a := v.(type) {
	case *iostaking.StakingConfig:
		s.StakingConfig = a
	case *iorewards.RewardsConfig:
		s.RewardsConfig = a
	case *iohire.HireConfig:
		s.HireConfig = a
	case *iostaking.Node:
		s.Nodes[address] = a
	case *iorewards.Keeper:
		s.Keepers[address] = a
	case *iorewards.EpochReport:
		s.EpochReports[address] = a
	case *iorewards.NodeClaims:
		s.NodeClaims[address] = a
	case *iohire.HireOrder:
		s.Orders[address] = a
	case *iohire.Assignment:
		s.Assignments[address] = a
	}
	return nil
}
