package explorer

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"sync"

	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/emission"
)

// Emission is GET /api/emission: the schedule with its halvings, what final epochs
// reported and claims paid out, and the burned supply over time.
type Emission struct {
	InitialEpochEmission Amount `json:"initial_epoch_emission"`
	HalvingEpochs        uint64 `json:"halving_epochs"`
	RatioBps             uint16 `json:"ratio_bps"`
	Cap                  Amount `json:"cap"`
	GenesisTs            int64  `json:"genesis_ts"`
	EpochSeconds         int64  `json:"epoch_seconds"`
	Epoch                uint64 `json:"epoch"`
	Now                  int64  `json:"now"` // the chain's clock
	// ScheduledNow is what the schedule allows through the current epoch.
	ScheduledNow Amount `json:"scheduled_now"`
	// Emitted is what claims paid out of the vault (the supply ledger's emitted).
	Emitted Amount `json:"emitted"`
	// Reported is the cumulative emission of the latest final epoch.
	Reported Amount          `json:"reported"`
	Schedule []SchedulePoint `json:"schedule"`
	// SoFar is the schedule's cumulative through each epoch from 0 to the current one
	// (at most 241 of them, evenly spaced, and every final epoch).
	SoFar    []SchedulePoint `json:"so_far"`
	Halvings []Halving       `json:"halvings"`
	Epochs   []EmissionPoint `json:"epochs"`
	// Burns are the ledger's burns read from the chain's transactions (BurnRecorded),
	// oldest first; BurnsComplete says they go back to genesis. Null when the RPC node
	// could not serve the history: then Burned, the gateway's samples, stand in.
	Burns         []Burn         `json:"burns"`
	BurnsComplete bool           `json:"burns_complete"`
	Burned        []SupplySample `json:"burned"`
}

// SchedulePoint is the schedule's cumulative emission at the start of an epoch.
type SchedulePoint struct {
	Epoch      uint64 `json:"epoch"`
	Cumulative Amount `json:"cumulative"`
}

// Halving is the first epoch of a period and what each of its epochs may emit.
type Halving struct {
	Epoch         uint64 `json:"epoch"`
	EpochEmission Amount `json:"epoch_emission"`
}

// EmissionPoint is a final epoch: the schedule's cumulative through it and what the
// keepers' final report emitted through it.
type EmissionPoint struct {
	Epoch      uint64 `json:"epoch"`
	Scheduled  Amount `json:"scheduled"`
	Cumulative Amount `json:"cumulative"`
	Emission   Amount `json:"epoch_emission"`
}

// SchedulePoints samples s's cumulative emission at n+1 evenly spaced epochs from 0
// to horizon and on both sides of every period boundary within it (where the slope
// changes), in epoch order without duplicates.
func SchedulePoints(s emission.Schedule, horizon uint64, n int) []SchedulePoint {
	n = max(n, 1)
	epochs := []uint64{}
	for i := 0; i <= n; i++ {
		epochs = append(epochs, horizon*uint64(i)/uint64(n))
	}
	for _, h := range Halvings(s, horizon) {
		epochs = append(epochs, h.Epoch)
	}
	slices.Sort(epochs)
	epochs = slices.Compact(epochs)
	out := make([]SchedulePoint, 0, len(epochs))
	for _, e := range epochs {
		out = append(out, SchedulePoint{Epoch: e, Cumulative: Amount(s.Cumulative(e))})
	}
	return out
}

// Halvings are the period boundaries k × P (k ≥ 1) up to horizon, with what each
// epoch of the new period may emit, up to the first period that emits nothing; none
// when the schedule has no periods.
func Halvings(s emission.Schedule, horizon uint64) []Halving {
	if s.PeriodEpochs == 0 {
		return nil
	}
	var out []Halving
	for e := s.PeriodEpochs; e <= horizon; e += s.PeriodEpochs {
		h := Halving{Epoch: e, EpochEmission: Amount(s.EpochEmission(e))}
		out = append(out, h)
		if h.EpochEmission == 0 || e > ^uint64(0)-s.PeriodEpochs {
			break
		}
	}
	return out
}

// horizonPeriods is how many periods the emission curve shows at least.
const horizonPeriods = 6

func (x *Explorer) emissionView(ctx context.Context, st *state, _ *http.Request) (any, error) {
	rc := st.snap.RewardsConfig
	s := rewards.Schedule(rc.Params)
	horizon := max(horizonPeriods*max(s.PeriodEpochs, 1), st.status.Epoch+1)
	v := Emission{InitialEpochEmission: Amount(s.InitialEpochEmission), HalvingEpochs: s.PeriodEpochs,
		RatioBps: s.RatioBps, Cap: Amount(s.Cap), GenesisTs: rc.Params.GenesisTs, EpochSeconds: rc.Params.EpochSeconds,
		Epoch: st.status.Epoch, Now: st.now, ScheduledNow: Amount(s.Cumulative(st.status.Epoch + 1)), Emitted: Amount(rc.Emitted),
		Reported: Amount(rc.ReportedCumulative), Schedule: SchedulePoints(s, horizon, 240),
		Halvings: Halvings(s, horizon), Epochs: []EmissionPoint{}, Burned: x.hist.samples()}
	x.burns.maybeRefresh(ctx, x.client.RPC, x.cfg.CacheTTL)
	if burns, complete, ok := x.burns.list(); ok {
		v.Burns, v.BurnsComplete = burns, complete
		if v.Burns == nil {
			v.Burns = []Burn{}
		}
	}
	// The ledger starts at genesis with nothing burned or emitted.
	v.Burned = append([]SupplySample{{Time: rc.Params.GenesisTs, Supply: Amount(staking.GenesisSupply)}}, v.Burned...)
	if v.Halvings == nil {
		v.Halvings = []Halving{}
	}
	through := map[uint64]bool{}
	for i := uint64(0); i <= 240; i++ {
		through[st.status.Epoch*i/240] = true
	}
	for _, r := range st.snap.EpochReports {
		if r.Finalized && r.Epoch <= st.status.Epoch {
			through[r.Epoch] = true
		}
	}
	for e := range through {
		v.SoFar = append(v.SoFar, SchedulePoint{Epoch: e, Cumulative: Amount(s.Cumulative(e + 1))})
	}
	slices.SortFunc(v.SoFar, func(a, b SchedulePoint) int { return cmp.Compare(a.Epoch, b.Epoch) })
	for _, r := range st.snap.EpochReports {
		if r.Finalized {
			v.Epochs = append(v.Epochs, EmissionPoint{Epoch: r.Epoch, Scheduled: Amount(s.Cumulative(r.Epoch + 1)),
				Cumulative: Amount(r.CumulativeEmission), Emission: Amount(r.EpochEmission)})
		}
	}
	slices.SortFunc(v.Epochs, func(a, b EmissionPoint) int { return cmp.Compare(a.Epoch, b.Epoch) })
	return v, nil
}

// SupplySample is the supply ledger as the gateway read it at one time; the first
// one /api/emission lists is genesis (nothing burned or emitted).
type SupplySample struct {
	Time    int64  `json:"time"` // the chain's clock
	Epoch   uint64 `json:"epoch"`
	Slot    uint64 `json:"slot"`
	Burned  Amount `json:"burned"`
	Supply  Amount `json:"supply"`
	Emitted Amount `json:"emitted"`
}

// maxSamples bounds the history kept in memory.
const maxSamples = 4096

// history is the supply ledger over time: the chain keeps only its current totals
// (RewardsConfig.burned and emitted, the mint's supply), so the gateway samples them
// at every read and keeps the samples in memory since it started: a new sample when
// a figure or the epoch changed.
type history struct {
	mu   sync.Mutex
	list []SupplySample
}

func (h *history) add(st *state) {
	s := SupplySample{Time: st.now, Epoch: st.status.Epoch, Slot: st.status.Slot, Burned: Amount(st.status.Burned),
		Supply: Amount(st.status.Supply), Emitted: Amount(st.status.Emitted)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.list); n > 0 {
		last := h.list[n-1]
		if last.Epoch == s.Epoch && last.Burned == s.Burned && last.Supply == s.Supply && last.Emitted == s.Emitted {
			return
		}
	}
	if len(h.list) == maxSamples {
		h.list = slices.Delete(h.list, 0, maxSamples/2)
	}
	h.list = append(h.list, s)
}

func (h *history) samples() []SupplySample {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.list)
}
