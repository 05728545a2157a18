package explorer

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/report"
)

// What the explorer learns from the keepers' public endpoints (docs/keeper.md, HTTP
// API), the keepers being those registered on chain with their endpoints:
//
//   - GET /healthz: whether the keeper answers, and its epoch and final epoch;
//   - GET /reports/{epoch}: a final report's leaves, kept once its root matches the
//     chain's (a final report never changes), for each node's TOPS, uptime and reward
//     per epoch;
//   - GET /challenges/{epoch}/{node}: a keeper's challenges of a node while the epoch
//     is open (the keeper drops them once it committed the epoch), kept in memory so
//     a node's challenge history covers the epochs since the gateway started.

// keptReports is how many final reports (the latest) are fetched and kept;
// reportsPerFetch how many one fetch asks for at most.
const (
	keptReports     = 64
	reportsPerFetch = 8
)

// KeeperState is what a keeper's GET /healthz said.
type KeeperState struct {
	Reachable   bool    `json:"reachable"`
	Error       string  `json:"error,omitempty"`
	Synced      bool    `json:"synced"`
	KeeperEpoch *uint64 `json:"keeper_epoch,omitempty"`
	KeeperFinal *uint64 `json:"keeper_final_epoch,omitempty"`
}

// Challenge is one keeper's challenge of a node (epochlog.Observation without its
// evidence).
type Challenge struct {
	Keeper    string `json:"keeper"`
	AtMillis  int64  `json:"at_millis"`
	OK        bool   `json:"ok"`
	Reason    string `json:"reason"`
	TOPSMilli Amount `json:"tops_milli"`
	RTTMicros uint64 `json:"rtt_micros"`
}

// EpochChallenges are the challenges of a node in one epoch.
type EpochChallenges struct {
	Epoch      uint64      `json:"epoch"`
	Challenges []Challenge `json:"challenges"`
}

type keeperData struct {
	mu         sync.Mutex
	healthAt   time.Time
	healthOf   map[solana.PublicKey]KeeperState
	reports    map[uint64]*report.EpochReport
	reportTry  map[uint64]time.Time
	challenged map[solana.PublicKey]map[uint64]map[string][]Challenge // node → epoch → keeper
	fetchedAt  map[solana.PublicKey]time.Time
}

func (k *keeperData) init() {
	k.healthOf = map[solana.PublicKey]KeeperState{}
	k.reports = map[uint64]*report.EpochReport{}
	k.reportTry = map[uint64]time.Time{}
	k.challenged = map[solana.PublicKey]map[uint64]map[string][]Challenge{}
	k.fetchedAt = map[solana.PublicKey]time.Time{}
}

// Limits on what a keeper's answer may weigh: a health check is small; a final
// report at 10⁵ nodes is about 30 MB of JSON, and a challenge's evidence carries
// its openings (tens of MB at the H100 class's sizes).
const (
	smallAnswer = 64 << 10
	largeAnswer = 256 << 20
)

// getJSON GETs base+path from a keeper and decodes its JSON into v, reading at most
// limit bytes. The base is the endpoint the keeper registered on chain, so only http
// and https are followed, and an error names the status, never the answer's body
// (the API would otherwise show whatever an endpoint pointing elsewhere returned).
func (x *Explorer) getJSON(ctx context.Context, base, path string, limit int64, v any) error {
	u, err := url.Parse(strings.TrimRight(base, "/") + path)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("endpoint %q is not an http(s) URL", base)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := x.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: unreachable", path)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, limit)).Decode(v); err != nil {
		return fmt.Errorf("GET %s: not the keeper API's JSON", path)
	}
	return nil
}

// health asks every keeper on chain for its /healthz, at most once per cache TTL.
func (k *keeperData) health(ctx context.Context, x *Explorer, st *state) map[solana.PublicKey]KeeperState {
	k.mu.Lock()
	if time.Since(k.healthAt) < x.cfg.CacheTTL {
		out := k.healthOf
		k.mu.Unlock()
		return out
	}
	k.mu.Unlock()
	out := map[solana.PublicKey]KeeperState{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, kp := range st.snap.Keepers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h struct {
				Synced     bool    `json:"synced"`
				Epoch      *uint64 `json:"epoch"`
				FinalEpoch *uint64 `json:"final_epoch"`
			}
			ks := KeeperState{}
			if err := x.getJSON(ctx, kp.Endpoint, "/healthz", smallAnswer, &h); err != nil {
				ks.Error = err.Error()
			} else {
				ks = KeeperState{Reachable: true, Synced: h.Synced, KeeperEpoch: h.Epoch, KeeperFinal: h.FinalEpoch}
			}
			mu.Lock()
			out[kp.Authority] = ks
			mu.Unlock()
		}()
	}
	wg.Wait()
	k.mu.Lock()
	k.healthOf, k.healthAt = out, time.Now()
	k.mu.Unlock()
	return out
}

// fetchReports fetches the latest final reports not yet kept, at most
// reportsPerFetch of them at once (concurrently), each from a keeper that voted it,
// keeping one only if its root is the chain's; an epoch no voter serves is tried
// again after 30 s.
func (k *keeperData) fetchReports(ctx context.Context, x *Explorer, st *state) {
	var finals []*iorewards.EpochReport
	for _, r := range st.snap.EpochReports {
		if r.Finalized {
			finals = append(finals, r)
		}
	}
	slices.SortFunc(finals, func(a, b *iorewards.EpochReport) int { return cmp.Compare(b.Epoch, a.Epoch) })
	finals = finals[:min(len(finals), keptReports)]
	endpoints := map[solana.PublicKey]string{}
	for _, kp := range st.snap.Keepers {
		endpoints[kp.Authority] = kp.Endpoint
	}
	var todo []*iorewards.EpochReport
	k.mu.Lock()
	for _, r := range finals {
		_, have := k.reports[r.Epoch]
		if !have && time.Since(k.reportTry[r.Epoch]) >= 30*time.Second && len(todo) < reportsPerFetch {
			k.reportTry[r.Epoch] = time.Now()
			todo = append(todo, r)
		}
	}
	k.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, v := range r.Voters {
				var rep report.EpochReport
				err := x.getJSON(ctx, endpoints[v], fmt.Sprintf("/reports/%d", r.Epoch), largeAnswer, &rep)
				if err != nil || rep.Epoch != r.Epoch || [32]byte(rep.Root) != r.Root {
					continue
				}
				k.mu.Lock()
				k.reports[r.Epoch] = &rep
				k.mu.Unlock()
				return
			}
		}()
	}
	wg.Wait()
	if len(finals) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for e := range k.reports {
		if e < finals[len(finals)-1].Epoch {
			delete(k.reports, e)
		}
	}
}

// leafCount is the number of leaves of epoch's kept report, -1 without one.
func (k *keeperData) leafCount(epoch uint64) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if r, ok := k.reports[epoch]; ok {
		return len(r.Leaves)
	}
	return -1
}

// leavesOf is node's leaf in each kept report, newest first.
func (k *keeperData) leavesOf(node solana.PublicKey) []NodeEpoch {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := []NodeEpoch{}
	for _, r := range k.reports {
		i, ok := slices.BinarySearchFunc(r.Leaves, node, func(l report.Leaf, n solana.PublicKey) int {
			return strings.Compare(string(l.Node[:]), string(n[:]))
		})
		if !ok {
			continue
		}
		l := r.Leaves[i]
		out = append(out, NodeEpoch{Epoch: r.Epoch, TOPSMilli: Amount(l.TOPSMilli), UptimeBps: l.UptimeBps,
			HiredBps: l.HiredBps, EpochReward: Amount(l.EpochReward), Cumulative: Amount(l.CumulativeReward)})
	}
	slices.SortFunc(out, func(a, b NodeEpoch) int { return cmp.Compare(b.Epoch, a.Epoch) })
	return out
}

// challenges fetches node's challenges in the current and the previous epoch from
// every keeper serving them (at most once per cache TTL), adds them to what is
// kept, and returns everything kept for the node, newest epoch first.
func (k *keeperData) challenges(ctx context.Context, x *Explorer, st *state, node solana.PublicKey) []EpochChallenges {
	k.mu.Lock()
	fresh := time.Since(k.fetchedAt[node]) < x.cfg.CacheTTL
	if !fresh {
		k.fetchedAt[node] = time.Now()
	}
	k.mu.Unlock()
	if !fresh {
		epochs := []uint64{st.status.Epoch}
		if st.status.Epoch > 0 {
			epochs = append(epochs, st.status.Epoch-1)
		}
		type got struct {
			epoch  uint64
			keeper string
			list   []Challenge
		}
		var mu sync.Mutex
		var all []got
		var wg sync.WaitGroup
		for _, kp := range st.snap.Keepers {
			for _, e := range epochs {
				if kp.ActiveFrom > e || (kp.ExitFrom != nil && e >= *kp.ExitFrom) {
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					var obs []epochlog.Observation
					if err := x.getJSON(ctx, kp.Endpoint, fmt.Sprintf("/challenges/%d/%s", e, node), largeAnswer, &obs); err != nil || len(obs) == 0 {
						return
					}
					list := make([]Challenge, 0, len(obs))
					for _, o := range obs {
						if o.Node != node || o.Kind != epochlog.KindChallenge {
							continue
						}
						list = append(list, Challenge{Keeper: kp.Authority.String(), AtMillis: o.AtMillis, OK: o.OK,
							Reason: o.Reason, TOPSMilli: Amount(o.TOPSMilli), RTTMicros: o.RTTMicros})
					}
					mu.Lock()
					all = append(all, got{e, kp.Authority.String(), list})
					mu.Unlock()
				}()
			}
		}
		wg.Wait()
		k.mu.Lock()
		for _, g := range all {
			byEpoch := k.challenged[node]
			if byEpoch == nil {
				byEpoch = map[uint64]map[string][]Challenge{}
				k.challenged[node] = byEpoch
			}
			if byEpoch[g.epoch] == nil {
				byEpoch[g.epoch] = map[string][]Challenge{}
			}
			// A keeper's list only grows while the epoch is open.
			if len(g.list) >= len(byEpoch[g.epoch][g.keeper]) {
				byEpoch[g.epoch][g.keeper] = g.list
			}
		}
		k.mu.Unlock()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	out := []EpochChallenges{}
	for e, byKeeper := range k.challenged[node] {
		ec := EpochChallenges{Epoch: e}
		for _, list := range byKeeper {
			ec.Challenges = append(ec.Challenges, list...)
		}
		slices.SortFunc(ec.Challenges, func(a, b Challenge) int {
			return cmp.Or(cmp.Compare(a.AtMillis, b.AtMillis), cmp.Compare(a.Keeper, b.Keeper))
		})
		out = append(out, ec)
	}
	slices.SortFunc(out, func(a, b EpochChallenges) int { return cmp.Compare(b.Epoch, a.Epoch) })
	return out
}
