package explorer

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
)

// chromium finds headless Chromium: $IONET_CHROMIUM, else Debian's `chromium` (or
// chromium-browser, google-chrome) on PATH.
func chromium() (string, error) {
	if p := os.Getenv("IONET_CHROMIUM"); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("IONET_CHROMIUM=%s: %w", p, err)
		}
		return found, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium, chromium-browser or google-chrome on PATH")
}

// artifacts is where the browser test leaves its screenshots: $IONET_ARTIFACTS, or
// ionet-artifacts in the system's temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("IONET_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ionet-artifacts")
	}
	dir = filepath.Join(dir, "explorer")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// pageData is what the page shows: every element with an id and a data-value (its
// text and its exact value), and each table's rows' data-field cells.
type pageData struct {
	Values map[string]string              `json:"values"`
	Texts  map[string]string              `json:"texts"`
	Rows   map[string][]map[string]string `json:"rows"`
}

const readPage = `(() => {
  const out = {values: {}, texts: {}, rows: {}};
  for (const el of document.querySelectorAll('[id][data-value]')) {
    out.values[el.id] = el.dataset.value;
    out.texts[el.id] = el.textContent;
  }
  for (const tr of document.querySelectorAll('table[id] tbody tr')) {
    const f = {};
    for (const td of tr.querySelectorAll('td[data-field]')) {
      f[td.dataset.field] = td.dataset.value;
      f[td.dataset.field + ':text'] = td.textContent;
    }
    if (Object.keys(f).length) (out.rows[tr.closest('table').id] ||= []).push(f);
  }
  return out;
})()`

// checkBrowser opens the explorer in headless Chromium, reads the numbers the page
// shows and compares them with the chain; it saves a screenshot of the network's
// page and of a node's.
func checkBrowser(t *testing.T, n *testNet, base string) {
	path, err := chromium()
	if err != nil {
		t.Fatalf("the explorer's browser test needs headless Chromium: %v. Install it with `apt-get install chromium` "+
			"(Debian; .ci/run installs it) or set IONET_CHROMIUM to a Chromium or Chrome binary", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-gpu", true))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()
	dir := artifacts(t)

	// The network's page, once it rendered the three nodes and the three hires.
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(base+"/")))
	_, err = chromedp.Run(browser, chromedp.Poll[bool](`document.body.dataset.slot !== undefined &&
		document.querySelectorAll('#nodes-table tr[data-node]').length === 3 &&
		document.querySelectorAll('#hires-table tr[data-order]').length === 3 &&
		document.querySelectorAll('#epochs-table tr[data-epoch]').length > 0`,
		chromedp.WithPollingTimeout(60*time.Second), chromedp.WithPollingInterval(200*time.Millisecond)))
	require.NoError(t, err, "the page did not render the network")
	shot(t, browser, filepath.Join(dir, "network.png"))
	page, err := chromedp.Run(browser, chromedp.Evaluate[pageData](readPage))
	require.NoError(t, err)
	s, snap := chainView(t, n)
	hidden, err := chromedp.Run(browser, chromedp.Evaluate[bool](`document.getElementById('hdr-error').hidden`))
	require.NoError(t, err)
	assert.True(t, hidden, "the page shows an error: %s", page.Texts["hdr-error"])

	v := page.Values
	assert.Equal(t, "3", v["stat-nodes"])
	assert.Equal(t, "1", v["stat-staked-nodes"], "the slash took the CPU node below the minimum stake")
	assert.Equal(t, "17", v["stat-gpus"])
	assert.Equal(t, strconv.Itoa(s.Orders["Active"]), v["stat-active-hires"])
	assert.Equal(t, strconv.Itoa(s.Orders["Open"]), v["stat-open-hires"])
	assert.Equal(t, strconv.Itoa(s.Keepers), v["stat-keepers"])
	var stake, delegated, tops uint64
	for _, node := range snap.Nodes {
		stake += staking.OperatorStake(node)
		delegated += staking.DelegatedStake(node)
		tops += node.Attested.TopsMilli
	}
	for id, want := range map[string]uint64{"stat-stake": stake, "stat-delegated": delegated, "stat-supply": s.Supply,
		"stat-burned": s.Burned, "stat-emitted": s.Emitted, "stat-cap": s.EmissionCap} {
		assert.Equal(t, strconv.FormatUint(want, 10), v[id], id)
		assert.Equal(t, shownIO(want), page.Texts[id], id)
	}
	assert.Equal(t, strconv.FormatUint(tops, 10), v["stat-tops"])
	assert.Equal(t, "100.05", page.Texts["stat-tops"])
	assert.NotEqual(t, "0", v["stat-burned"], "the slash was burned")
	assert.Equal(t, "chain", v["burned-source"], "the burned supply's history comes from the chain's events")
	assert.Equal(t, strconv.FormatUint(*s.FinalEpoch, 10), v["hdr-final"])
	assert.Equal(t, "$2", page.Texts["hdr-price"])
	pageEpoch, _ := strconv.ParseUint(v["hdr-epoch"], 10, 64)
	assert.LessOrEqual(t, s.Epoch-pageEpoch, uint64(1), "the page's epoch is the chain's (or the one before)")

	// Every node's row against its account.
	require.Len(t, page.Rows["nodes-table"], 3)
	for _, row := range page.Rows["nodes-table"] {
		c := snap.Nodes[mustKey(t, row["address"])]
		require.NotNil(t, c, row["address"])
		assert.Equal(t, strconv.FormatUint(staking.OperatorStake(c), 10), row["stake"], row["address"])
		assert.Equal(t, strconv.FormatUint(staking.DelegatedStake(c), 10), row["delegated"], row["address"])
		assert.Equal(t, strconv.FormatUint(c.Attested.TopsMilli, 10), row["tops_milli"], row["address"])
		assert.Equal(t, strconv.Itoa(int(c.Attested.UptimeBps)), row["uptime_bps"], row["address"])
		assert.Equal(t, strconv.FormatUint(c.SlashedTotal, 10), row["slashed"], row["address"])
		assert.Equal(t, strconv.Itoa(int(c.Spec.GpuCount)), row["gpus"], row["address"])
		assert.Equal(t, strconv.FormatUint(c.AskMicroUsd, 10), row["ask_micro_usd"], row["address"])
	}
	h100 := rowWith(page.Rows["nodes-table"], "address", n.h100.String())
	assert.Equal(t, "h100-sxm", h100["class:text"])
	assert.Equal(t, "US", h100["location:text"])
	assert.Equal(t, "100", h100["tops_milli:text"])
	assert.Equal(t, "100 %", h100["uptime_bps:text"])
	assert.Equal(t, "300", h100["delegated:text"])
	assert.Equal(t, "2.15", h100["ask_micro_usd:text"])

	// The hires, with the matched price, and the final epoch's root, voters and price.
	active := rowWith(page.Rows["hires-table"], "address", n.active.String())
	assert.Equal(t, "Active", active["status"])
	a := snap.Assignments[assignmentAddress(n.active, n.h100)]
	require.NotNil(t, a)
	assert.Equal(t, fmt.Sprintf("%s@%d", n.h100, a.PriceMicroUsd), active["matched"])
	assert.Contains(t, active["matched:text"], "@ 2.15")
	assert.Equal(t, strconv.FormatUint(snap.Orders[n.active].Deposited, 10), active["deposited"])
	failed := rowWith(page.Rows["hires-table"], "address", n.failed.String())
	assert.Equal(t, "Active", failed["status"])
	assert.Contains(t, failed["matched:text"], "(failed)")
	assert.Equal(t, "Open", rowWith(page.Rows["hires-table"], "address", n.open.String())["status"])
	final := rowWith(page.Rows["epochs-table"], "epoch", strconv.FormatUint(n.final.Epoch, 10))
	r := snap.EpochReports[rewards.EpochAddress(n.final.Epoch)]
	require.NotNil(t, r)
	assert.Equal(t, hex.EncodeToString(r.Root[:]), final["root"])
	assert.Equal(t, strconv.FormatUint(r.IoUsdPrice, 10), final["io_usd_micro"])
	assert.Equal(t, "2", final["io_usd_micro:text"])
	voters := []string{}
	for _, k := range r.Voters {
		voters = append(voters, k.String())
	}
	assert.Equal(t, strings.Join(voters, ","), final["voters"])
	assert.Equal(t, strconv.FormatUint(r.EpochEmission, 10), final["epoch_emission"])
	assert.Equal(t, strconv.Itoa(len(n.final.Leaves)), final["leaves"])
	assert.Len(t, page.Rows["keepers-table"], 3)

	// The page follows the chain as epochs pass, without a reload.
	next, err := chromedp.Run(browser, chromedp.Poll[string](
		`Number(document.body.dataset.epoch) > `+strconv.FormatUint(pageEpoch, 10)+` && document.body.dataset.epoch`,
		chromedp.WithPollingTimeout(45*time.Second), chromedp.WithPollingInterval(250*time.Millisecond)))
	require.NoError(t, err, "the page stayed at epoch %d", pageEpoch)
	nextEpoch, _ := strconv.ParseUint(next, 10, 64)
	now, err := rewards.New(n.node.RPCURL).Staking.Now(context.Background())
	require.NoError(t, err)
	chainEpoch := rewards.EpochsOf(snap.RewardsConfig.Params).At(now)
	assert.True(t, chainEpoch >= nextEpoch && chainEpoch-nextEpoch <= 1,
		"the page shows the chain's new epoch: page %d, chain %d", nextEpoch, chainEpoch)

	// The CPU node's page: slashed, paid, challenged.
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(base+"/nodes/"+n.cpu.String())))
	_, err = chromedp.Run(browser, chromedp.Poll[bool](`document.body.dataset.page === 'node' &&
		document.body.dataset.slot !== undefined &&
		document.querySelectorAll('#challenges-table tr[data-epoch]').length === 3`,
		chromedp.WithPollingTimeout(60*time.Second), chromedp.WithPollingInterval(200*time.Millisecond)))
	require.NoError(t, err, "the node's page did not render its challenges")
	shot(t, browser, filepath.Join(dir, "node.png"))
	page, err = chromedp.Run(browser, chromedp.Evaluate[pageData](readPage))
	require.NoError(t, err)
	_, snap = chainView(t, n)
	c := snap.Nodes[n.cpu]
	claims := snap.NodeClaims[rewards.NodeClaimsAddress(n.cpu)]
	require.NotNil(t, claims)
	v = page.Values
	assert.Equal(t, n.cpu.String(), v["node-address"])
	for id, want := range map[string]uint64{"node-stake": staking.OperatorStake(c), "node-delegated": staking.DelegatedStake(c),
		"node-slashed": c.SlashedTotal, "node-claimed": claims.State.Claimed} {
		assert.Equal(t, strconv.FormatUint(want, 10), v[id], id)
		assert.Equal(t, shownIO(want), page.Texts[id], id)
	}
	assert.NotEqual(t, "0", v["node-slashed"])
	assert.Equal(t, strconv.FormatUint(c.Attested.TopsMilli, 10), v["node-tops"])
	assert.Equal(t, "0.05", page.Texts["node-tops"])
	results := []string{}
	for _, row := range page.Rows["challenges-table"] {
		results = append(results, row["ok:text"]+" "+row["tops_milli"])
	}
	assert.Equal(t, []string{"passed 52", "failed: deadline 0", "passed 48"}, results, "newest first")
	require.Len(t, page.Rows["node-epochs-table"], 1)
	assert.Equal(t, strconv.FormatUint(n.final.Epoch, 10), page.Rows["node-epochs-table"][0]["epoch"])
	t.Logf("screenshots: %s, %s", filepath.Join(dir, "network.png"), filepath.Join(dir, "node.png"))
}

func shot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	// Let the charts draw after the data arrived.
	time.Sleep(300 * time.Millisecond)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, png, 0o644))
}

// shownIO is how the page writes $IO base units: grouped thousands, no trailing
// zeros.
func shownIO(v uint64) string {
	s := staking.FormatAmount(v, staking.IODecimals)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, d := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

func rowWith(rows []map[string]string, field, value string) map[string]string {
	for _, r := range rows {
		if r[field] == value {
			return r
		}
	}
	return map[string]string{}
}

func mustKey(t *testing.T, s string) solana.PublicKey {
	t.Helper()
	k, err := solana.PublicKeyFromBase58(s)
	require.NoError(t, err)
	return k
}

func assignmentAddress(order, node solana.PublicKey) solana.PublicKey {
	return hire.AssignmentAddress(order, node)
}
