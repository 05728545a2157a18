package challenge

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/pow"
)

// rechecks is the other side of each window's challenges (docs/design.md §7): for every
// node assigned to this keeper whose challenger in a window is another keeper, once
// the window is over, it fetches that keeper's own challenge observations of the
// node (Config.Peers), re-checks each passed one it has not seen with Recheck and
// this keeper's own secret Freivalds vector, and records it in its own log: passed,
// with the challenger's timing (TOPS and RTT, which only the challenger could
// measure), or failed with the reason Recheck gives. So every assigned keeper's log
// holds the same challenges of the node, and the medians of the epoch's report do
// not depend on who had which window.
//
// What is not re-checked is not recorded: a challenger's failed challenge (its own
// word, carrying no timing to share) and an answer that cannot be fetched (the
// challenger's silence is no fault of the node's).
func (d *duty) rechecks(ctx context.Context, ep Epoch, ws []Window, nodes []nodeSchedule) {
	seen := map[[32]byte]bool{}
	for _, w := range ws {
		if d.sleepUntil(ctx, w.End.Add(d.cfg.Windows.Recheck/2)) != nil {
			return
		}
		for _, s := range nodes {
			challenger, ok := s.others[w.Index]
			if !ok {
				continue
			}
			obs, err := d.cfg.Peers.Challenges(ctx, challenger, ep.Number, s.node.Address)
			if err != nil {
				if ctx.Err() == nil {
					d.log.Info("re-check: challenger's answer unavailable", "epoch", ep.Number, "window", w.Index,
						"node", s.node.Address, "challenger", solana.PublicKey(challenger), "error", err)
				}
				continue
			}
			for _, o := range obs {
				if o.Kind != epochlog.KindChallenge || !o.OK || o.Node != s.node.Address || len(o.Evidence) == 0 {
					continue
				}
				key := sha256.Sum256(o.Evidence[EvidenceChallenge])
				if seen[key] || !d.challengeOf(o, challenger, ep, s.node) {
					continue
				}
				seen[key] = true
				d.record(ep.Number, d.recheck(o, challenger, s))
			}
		}
	}
}

// challengeOf reports whether o's challenge was signed by challenger for this node's
// worker and class with this epoch's beacon: a peer cannot pass off another epoch's
// or another node's answer.
func (d *duty) challengeOf(o epochlog.Observation, challenger ed25519.PublicKey, ep Epoch, n Node) bool {
	ch, err := pow.OpenChallenge(o.Evidence[EvidenceChallenge], challenger)
	return err == nil && ch.Worker.Equal(n.Worker) && ch.Class == n.Class && ch.SlotHash == ep.Beacon
}

// recheck is the observation this keeper records for a challenger's passed one.
func (d *duty) recheck(o epochlog.Observation, challenger ed25519.PublicKey, s nodeSchedule) epochlog.Observation {
	out := epochlog.Observation{Node: o.Node, Kind: epochlog.KindChallenge, RTTMicros: o.RTTMicros, Evidence: o.Evidence}
	err := Recheck(o, challenger, s.node.Worker, RecheckConfig{Lookup: d.cfg.Lookup, Rand: lockedReader{d}, Workers: d.cfg.Workers})
	if err != nil {
		out.Reason = Reason(err)
		d.log.Info("re-check failed", "node", s.node.Address, "challenger", solana.PublicKey(challenger), "reason", out.Reason, "error", err)
		return out
	}
	if pow.Flagged(s.class, float64(o.TOPSMilli)/1000) {
		// A challenger's timing is its word; one above the class's peak is a lie.
		out.Reason = epochlog.ReasonTooFast
		return out
	}
	out.OK, out.TOPSMilli = true, o.TOPSMilli
	return out
}
