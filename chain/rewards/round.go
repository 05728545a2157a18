package rewards

import (
	"context"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/programerr"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/report"
)

// Round is one epoch's duty as keepers run it: wait for the epoch to end, commit an
// observation log each, build the report, vote it until a quorum finalizes it, then
// crank every node's claim with its proof.
type Round struct {
	Keepers []solana.PrivateKey
	// Price is the IO/USD price the keepers vote, micro-USD per $IO.
	Price uint64
	// Measure says what keepers measured of a node; false leaves the node out.
	Measure func(n NodeAccount) (Measured, bool)
	// Wait returns once the chain's clock has reached unix time ts.
	Wait func(ctx context.Context, ts int64) error
	// Attempts is how many epochs to try when a window closes before the keepers
	// are done (a slow machine on very short epochs); 0 means 1.
	Attempts int
	// SkipClaims leaves the claims to the operators (ionet rewards claim): the round
	// ends once the epoch is final.
	SkipClaims bool
}

// NodeAccount is a node with its address (staking.NodeAccount).
type NodeAccount = staking.NodeAccount

// Claimed is one node's claim.
type Claimed struct {
	Leaf      report.Leaf
	Operator  solana.PublicKey
	Paid      uint64 // to the operator
	Delegates uint64 // to the node's delegators in io-staking
	Signature solana.Signature
}

// Outcome is what a round did.
type Outcome struct {
	Report report.EpochReport
	Final  *iorewards.EpochReport
	Voted  []solana.PublicKey // the keepers whose votes finalized it, in order
	Claims []Claimed
}

// errWindow marks a window that closed before the keepers were done.
var errWindow = errors.New("window closed")

// Run plays the round for the first epoch every keeper serves in that is neither
// final nor over yet (the current one, or later), with payer cranking the claims.
func (c *Client) Run(ctx context.Context, r Round, payer solana.PrivateKey) (*Outcome, error) {
	if len(r.Keepers) == 0 {
		return nil, errors.New("no keepers")
	}
	rc, err := c.Config(ctx)
	if err != nil {
		return nil, err
	}
	clock := EpochsOf(rc.Params)
	now, err := c.Staking.Now(ctx)
	if err != nil {
		return nil, err
	}
	epoch := clock.At(now)
	for _, k := range r.Keepers {
		kp, err := c.Keeper(ctx, k.PublicKey())
		if err != nil {
			return nil, fmt.Errorf("%w (register it with `ionet keeper register`)", err)
		}
		if kp.ExitFrom != nil {
			return nil, fmt.Errorf("keeper %s announced its exit", k.PublicKey())
		}
		epoch = max(epoch, kp.ActiveFrom)
	}
	if rc.FinalEpoch != nil && epoch <= *rc.FinalEpoch {
		epoch = *rc.FinalEpoch + 1
	}
	for attempt := 1; ; attempt++ {
		out, err := c.runEpoch(ctx, r, payer, epoch, clock)
		if errors.Is(err, errWindow) && attempt < max(r.Attempts, 1) {
			epoch++
			continue
		}
		return out, err
	}
}

func (c *Client) runEpoch(ctx context.Context, r Round, payer solana.PrivateKey, epoch uint64, clock Epochs) (*Outcome, error) {
	if err := r.Wait(ctx, clock.End(epoch)); err != nil {
		return nil, fmt.Errorf("wait for the end of epoch %d: %w", epoch, err)
	}
	// Commits first: their window is the shortest.
	for i, k := range r.Keepers {
		log := fmt.Appendf(nil, "ionet dev epoch: observation log of keeper %d (%s), epoch %d", i, k.PublicKey(), epoch)
		ix, err := Commit(k.PublicKey(), epoch, log)
		if err != nil {
			return nil, err
		}
		if _, err := c.Send(ctx, []solana.PrivateKey{k}, ix); err != nil && !isCode(err, iorewards.ErrCodeAlreadyCommitted) {
			return nil, windowed(fmt.Errorf("keeper %s commits epoch %d: %w", k.PublicKey(), epoch, err))
		}
	}
	rep, err := c.report(ctx, r, epoch)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Report: rep}
	for _, k := range r.Keepers {
		ix, err := Vote(k.PublicKey(), rep, r.Price)
		if err != nil {
			return nil, err
		}
		if _, err := c.Send(ctx, []solana.PrivateKey{k}, ix); err != nil {
			if isCode(err, iorewards.ErrCodeEpochAlreadyFinal) {
				break
			}
			if !isCode(err, iorewards.ErrCodeAlreadyVoted) {
				return nil, windowed(fmt.Errorf("keeper %s votes epoch %d: %w", k.PublicKey(), epoch, err))
			}
		} else {
			out.Voted = append(out.Voted, k.PublicKey())
		}
		er, err := c.EpochReport(ctx, epoch)
		if err != nil {
			return nil, err
		}
		if er.Finalized {
			out.Final = er
			break
		}
	}
	if out.Final == nil {
		return nil, fmt.Errorf("epoch %d: the keepers' votes made no quorum", epoch)
	}
	if out.Final.Root != [32]uint8(rep.Root) {
		return nil, fmt.Errorf("epoch %d finalized another root (%x) than the keepers built (%x)", epoch, out.Final.Root, rep.Root)
	}
	if r.SkipClaims {
		return out, nil
	}
	out.Claims, err = c.claimAll(ctx, rep, payer)
	return out, err
}

// report builds epoch's report over every registered node the round measures.
func (c *Client) report(ctx context.Context, r Round, epoch uint64) (report.EpochReport, error) {
	rc, err := c.Config(ctx)
	if err != nil {
		return report.EpochReport{}, err
	}
	sc, err := c.Staking.Config(ctx)
	if err != nil {
		return report.EpochReport{}, err
	}
	nodes, err := c.Staking.Nodes(ctx, staking.NodesFilter())
	if err != nil {
		return report.EpochReport{}, err
	}
	var inputs []report.NodeInput
	for _, n := range nodes {
		m, ok := r.Measure(n)
		if !ok {
			continue
		}
		claims, err := c.NodeClaims(ctx, n.Address)
		if err != nil {
			return report.EpochReport{}, err
		}
		inputs = append(inputs, NodeInput(n.Address, n.Node, m, claims.Claimed))
	}
	return BuildReport(epoch, rc, sc.Params, inputs)
}

// claimAll cranks every leaf's claim, paid by payer.
func (c *Client) claimAll(ctx context.Context, rep report.EpochReport, payer solana.PrivateKey) ([]Claimed, error) {
	rc, err := c.Config(ctx)
	if err != nil {
		return nil, err
	}
	proofs, err := Proofs(rep, rc.IoMint)
	if err != nil {
		return nil, err
	}
	pot := staking.DelegatorRewardsVault(rc.IoMint)
	var out []Claimed
	for i, l := range rep.Leaves {
		n, err := c.Staking.Node(ctx, l.Node)
		if err != nil {
			return out, err
		}
		opIO := staking.ATA(n.Operator, rc.IoMint)
		opBefore, err := c.Staking.TokenBalance(ctx, opIO)
		if err != nil {
			return out, err
		}
		potBefore, err := c.Staking.TokenBalance(ctx, pot)
		if err != nil {
			return out, err
		}
		ixs, err := Claim(payer.PublicKey(), n.Operator, rc.IoMint, l, proofs[i])
		if err != nil {
			return out, err
		}
		sig, err := c.Send(ctx, []solana.PrivateKey{payer}, ixs...)
		if err != nil {
			return out, fmt.Errorf("claim of node %s, epoch %d: %w", l.Node, l.Epoch, err)
		}
		opAfter, err := c.Staking.TokenBalance(ctx, opIO)
		if err != nil {
			return out, err
		}
		potAfter, err := c.Staking.TokenBalance(ctx, pot)
		if err != nil {
			return out, err
		}
		out = append(out, Claimed{Leaf: l, Operator: n.Operator, Paid: opAfter - opBefore,
			Delegates: potAfter - potBefore, Signature: sig})
	}
	return out, nil
}

// isCode says whether err is io-rewards' error code.
func isCode(err error, code uint32) bool {
	var pe programerr.ProgramError
	return errors.As(err, &pe) && pe.Program == "io_rewards" && pe.Code == code
}

// windowed marks err as errWindow when a commit or vote window had closed.
func windowed(err error) error {
	if isCode(err, iorewards.ErrCodeCommitWindowClosed) || isCode(err, iorewards.ErrCodeVoteWindowClosed) {
		return fmt.Errorf("%w: %w", errWindow, err)
	}
	return err
}
