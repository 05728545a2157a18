package explorer

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/rewards"
)

// The ledger's burns as the chain recorded them: io-rewards' record_burn (a CPI from
// io-staking's slash or io-hire's treasury) writes RewardsConfig and emits
// BurnRecorded {reporter, amount, total_burned}. The explorer pages through the
// config's transactions (getSignaturesForAddress, newest first, then only the new
// ones at each poll) and reads the event from each transaction's logs
// (getTransaction), so the burned supply over time comes from the chain's history,
// back to genesis, where the RPC node keeps it.

// maxBurnScan bounds the signatures one refresh looks at (every claim, vote and hire
// priced in $IO also mentions the config, so a busy network has many).
const maxBurnScan = 20_000

// Burn is one BurnRecorded event.
type Burn struct {
	Signature string `json:"signature"`
	Slot      uint64 `json:"slot"`
	Time      int64  `json:"time"` // block time
	Reporter  string `json:"reporter"`
	Amount    Amount `json:"amount"`
	Total     Amount `json:"total_burned"` // the ledger's burned after it
}

type burnLog struct {
	scan   sync.Mutex // one scan at a time
	mu     sync.Mutex
	at     time.Time        // the last scan's end
	err    error            // the last scan's error
	newest solana.Signature // the newest signature scanned
	burns  []Burn           // oldest first
	// complete: the scan reached the config's first transaction, so burns holds
	// every burn (the series starts at genesis with nothing burned).
	complete bool
	scanned  bool // at least one refresh succeeded
}

// refresh scans the config's transactions newer than the last scan.
func (b *burnLog) refresh(ctx context.Context, client *rpc.Client) error {
	b.mu.Lock()
	until := b.newest
	first := !b.scanned
	b.mu.Unlock()
	var sigs []*rpc.TransactionSignature
	var before solana.Signature
	reachedEnd := false
	for len(sigs) < maxBurnScan {
		limit := 1000
		page, err := client.GetSignaturesForAddressWithOpts(ctx, rewards.ConfigAddress(), &rpc.GetSignaturesForAddressOpts{
			Limit: &limit, Before: before, Until: until, Commitment: rpc.CommitmentConfirmed})
		if err != nil {
			return fmt.Errorf("getSignaturesForAddress: %w", err)
		}
		sigs = append(sigs, page...)
		if len(page) < limit {
			reachedEnd = true
			break
		}
		before = page[len(page)-1].Signature
	}
	var found []Burn
	for _, s := range sigs {
		if s.Err != nil {
			continue
		}
		v := uint64(0)
		tx, err := client.GetTransaction(ctx, s.Signature, &rpc.GetTransactionOpts{Encoding: solana.EncodingBase64,
			Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &v})
		if err != nil {
			return fmt.Errorf("getTransaction %s: %w", s.Signature, err)
		}
		if tx.Meta == nil {
			continue
		}
		for _, e := range burnEvents(tx.Meta.LogMessages) {
			burn := Burn{Signature: s.Signature.String(), Slot: tx.Slot, Reporter: e.Reporter.String(),
				Amount: Amount(e.Amount), Total: Amount(e.TotalBurned)}
			if tx.BlockTime != nil {
				burn.Time = int64(*tx.BlockTime)
			}
			found = append(found, burn)
		}
	}
	slices.Reverse(found) // sigs are newest first
	b.mu.Lock()
	defer b.mu.Unlock()
	b.burns = append(b.burns, found...)
	slices.SortStableFunc(b.burns, func(x, y Burn) int { return cmp.Compare(x.Total, y.Total) })
	if len(sigs) > 0 {
		b.newest = sigs[0].Signature
	}
	if first {
		b.complete = reachedEnd
	}
	b.scanned = true
	return nil
}

// burnEvents are the BurnRecorded events io-rewards itself emitted in a
// transaction's logs: a "Program data:" line counts only while io-rewards is the
// program running (another program could print the same bytes).
func burnEvents(logs []string) []*iorewards.BurnRecorded {
	var out []*iorewards.BurnRecorded
	var stack []string
	rewardsID := iorewards.ProgramID.String()
	for _, line := range logs {
		switch {
		case strings.HasPrefix(line, "Program data: "):
			if len(stack) == 0 || stack[len(stack)-1] != rewardsID {
				continue
			}
			for _, part := range strings.Fields(strings.TrimPrefix(line, "Program data: ")) {
				data, err := base64.StdEncoding.DecodeString(part)
				if err != nil || len(data) < 8 || !bytes.Equal(data[:8], iorewards.Event_BurnRecorded[:]) {
					continue
				}
				if e, err := iorewards.ParseEvent_BurnRecorded(data); err == nil {
					out = append(out, e)
				}
			}
		case strings.HasPrefix(line, "Program ") && strings.Contains(line, " invoke ["):
			stack = append(stack, strings.Fields(line)[1])
		case strings.HasPrefix(line, "Program ") && (strings.HasSuffix(line, " success") ||
			strings.Contains(line, " failed")):
			f := strings.Fields(line)
			if len(stack) > 0 && len(f) > 1 && stack[len(stack)-1] == f[1] {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return out
}

// maybeRefresh scans for new burns unless a scan ended less than ttl ago or is
// running now (its caller then uses what is there).
func (b *burnLog) maybeRefresh(ctx context.Context, client *rpc.Client, ttl time.Duration) {
	if !b.scan.TryLock() {
		return
	}
	defer b.scan.Unlock()
	b.mu.Lock()
	fresh := time.Since(b.at) < ttl
	b.mu.Unlock()
	if fresh {
		return
	}
	err := b.refresh(ctx, client)
	b.mu.Lock()
	b.at, b.err = time.Now(), err
	b.mu.Unlock()
}

// list is every burn read so far, oldest first, and whether the scan reached the
// config's first transaction (then the list holds every burn since genesis); ok is
// false before a scan succeeded (an RPC node without the history, or none yet).
func (b *burnLog) list() (burns []Burn, complete, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.scanned {
		return nil, false, false
	}
	return slices.Clone(b.burns), b.complete, true
}
