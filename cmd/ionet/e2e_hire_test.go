package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/tests/localnode"
)

// Keepers and hire orders through the CLI on a localnet with hour-long epochs: the
// commands that work without a final epoch, the refusals io-rewards and io-hire name,
// and usage errors. make demo's test runs the whole round on short epochs.
func TestCLIKeeperAndHire(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	run := buildCLI(t, node)
	dir := t.TempDir()
	key := run.keygen(t, dir)
	opKey, op := key("operator")
	workerKey, _ := key("worker")
	keeperKey, keeper := key("keeper")
	renterKey, renter := key("renter")
	run.ok(t, "dev", "fund", "--sol", "5", "--io", "2000", op)
	run.ok(t, "dev", "fund", "--sol", "1", "--io", "10000", keeper)
	assert.Contains(t, run.ok(t, "dev", "fund", "--sol", "1", "--io", "100", "--iosd", "100.25", renter), "100 $IO, 100.25 IOSD")
	out := run.ok(t, "--keypair", opKey, "node", "register", "--worker-keypair", workerKey, "--class", "h100-sxm",
		"--gpus", "8", "--vram-mib", "81920", "--vcpus", "96", "--ram-gib", "1024", "--bandwidth-mbps", "10000",
		"--location", "DE", "--ask", "2.15", "--endpoint", "http://10.0.0.7:7070")
	nodeAddr := address.FindString(strings.SplitN(out, "\n", 2)[0])
	run.ok(t, "--keypair", opKey, "node", "stake", nodeAddr, "1000")

	out = run.ok(t, "--keypair", keeperKey, "keeper", "register", "--endpoint", "http://127.0.0.1:7071")
	for _, want := range []string{"registered keeper " + keeper, "bonded 10000 $IO", "serves from  epoch 1 (now epoch 0 of 3600s)"} {
		assert.Contains(t, out, want)
	}
	assert.Contains(t, run.ok(t, "keeper", "show", keeper), "endpoint     http://127.0.0.1:7071")
	list := run.ok(t, "keeper", "list")
	assert.Contains(t, list, "1 keeper(s)")
	assert.Contains(t, list, keeper+"  bond ")
	assert.Contains(t, list, "http://127.0.0.1:7071")
	assert.Contains(t, run.fails(t, 1, "--keypair", keeperKey, "keeper", "register", "--endpoint", "http://x"), "is already registered")

	// No epoch is final yet: a $IO order has no price.
	hire := func(mint string) []string {
		return []string{"--keypair", renterKey, "hire", "create", "--mint", mint, "--gpus", "4", "--hours", "1",
			"--max-price", "2", "--class", "h100-sxm", "--location", "US,DE"}
	}
	assert.Contains(t, run.fails(t, 1, hire("io")...), "StalePrice")
	out = run.ok(t, hire("iosd")...)
	assert.Contains(t, out, "escrowed     8.2 IOSD (renter fees 2.5%)", "$8 of GPU-time and 2.5% of fees")
	order := address.FindString(strings.TrimPrefix(out, "created order "))
	require.NotEmpty(t, order, out)
	assert.Contains(t, out, "(id 1)")
	// An id in use and an escrow above the wallet's balance are refused in words, and
	// nothing moves.
	assert.Contains(t, run.fails(t, 1, append(hire("iosd"), "--id", "1")...), "order id 1 is taken: "+renter+"'s order "+order+" exists")
	poor := append(hire("iosd"), "--hours", "8760")
	assert.Contains(t, run.fails(t, 1, poor...), "insufficient funds: the order escrows its whole price (max price × GPUs × hours, plus fees) in IOSD, and "+renter+" holds 92.05 IOSD")
	assert.Contains(t, run.ok(t, "balances", "renter="+renter), "renter             100 $IO, 92.05 IOSD")
	show := run.ok(t, "hire", "show", order)
	for _, want := range []string{"4 GPUs of h100-sxm, 1 h, at most 2 USD per GPU-hour, in US,DE", "status       Open",
		"deposited 8.2 IOSD = escrow 8.2 IOSD + paid 0 IOSD"} {
		assert.Contains(t, show, want)
	}

	// The keeper serves from epoch 1; the node's ask is above the cap; the order is not over.
	assert.Contains(t, run.fails(t, 1, "dev", "assign", "--keeper-keypair", keeperKey, order, nodeAddr+":4"), "NotKeeper")
	assert.Contains(t, run.fails(t, 1, "--keypair", renterKey, "hire", "close", order), "OrderNotFinished")
	assert.Contains(t, run.fails(t, 1, "--keypair", keeperKey, "hire", "cancel", order), "is renter "+renter+"'s")
	assert.Contains(t, run.ok(t, "dev", "warp", "--by", "1h"), "warped the localnet's clock by 1h0m0s")
	assert.Contains(t, run.fails(t, 1, "dev", "assign", "--keeper-keypair", keeperKey, order, nodeAddr+":4"), "AskAboveMax")

	out = run.ok(t, "--keypair", renterKey, "hire", "cancel", order)
	assert.Contains(t, out, "refunded 8.2 IOSD to the renter")
	assert.NotContains(t, out, "nodes keep what they earned", "the order never matched: no node earned")
	assert.Contains(t, run.ok(t, "hire", "show", order), "status       Ended (Cancelled)")
	assert.Contains(t, run.fails(t, 1, "--keypair", renterKey, "hire", "cancel", order),
		"order "+order+" has already ended (Cancelled): nothing to cancel; hire close returns its rent")
	assert.Contains(t, run.ok(t, "--keypair", renterKey, "hire", "close", order), "closed order "+order+" (Cancelled)")
	assert.Contains(t, run.fails(t, 1, "hire", "show", order), "account not found")
	assert.Contains(t, run.ok(t, "balances", "--treasury", "renter="+renter), "renter             100 $IO, 100.25 IOSD")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--keypair", renterKey, "hire", "create", "--mint", "usd", "--gpus", "1", "--hours", "1", "--max-price", "2"}, "iosd or io"},
		{[]string{"--keypair", renterKey, "hire", "create", "--mint", "iosd", "--gpus", "1", "--hours", "1", "--max-price", "2.1234567"}, "at most 6 decimals"},
		{[]string{"--keypair", renterKey, "hire", "create", "--mint", "iosd", "--gpus", "0", "--hours", "1", "--max-price", "2"}, "--gpus: 1 to 1024"},
		{[]string{"--keypair", renterKey, "hire", "create", "--mint", "iosd", "--gpus", "1", "--hours", "1", "--max-price", "2", "--location", "usa"}, "two capital letters"},
		{[]string{"hire", "claim", order}, "takes 2 argument(s)"},
		{[]string{"dev", "assign", "--keeper-keypair", keeperKey, order, nodeAddr + ":x"}, "GPUs must be a positive number"},
		{[]string{"dev", "assign", "--keeper-keypair", keeperKey, order}, "at least one <node>:<gpus>"},
		{[]string{"dev", "epoch", "--keeper-keypairs", keeperKey, "--tops", "1.2345"}, "at most 3 decimals"},
		{[]string{"dev", "epoch", "--keeper-keypairs", keeperKey, "--tops", "100", "--price", "0"}, "--price"},
		{[]string{"--keypair", keeperKey, "keeper", "register", "--endpoint", ""}, "--endpoint: 1 to 128 bytes"},
		{[]string{"balances"}, "balances takes wallets"},
		{[]string{"dev", "warp", "--by", "-1s"}, "--by must be positive"},
	} {
		assert.Contains(t, run.fails(t, 2, c.args...), c.want, "ionet %v", c.args)
	}
}
