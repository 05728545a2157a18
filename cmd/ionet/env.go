package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/internal/cliapp"
	"github.com/ionet-network/ionet/oracle/classes"
)

// env is what a command works with: the chain client, the wallet, the config.
type env struct {
	// localnet caches whether the RPC node is an ionet-localnet (nil: not asked yet).
	localnet *bool
	ctx      context.Context
	client   *staking.Client
	rewards  *rewards.Client
	hire     *hire.Client
	c        *cli.Context
}

func newEnv(c *cli.Context) *env {
	client := staking.New(c.String("rpc-url"))
	return &env{ctx: c.Context, client: client, rewards: &rewards.Client{Staking: client},
		hire: &hire.Client{Staking: client}, c: c}
}

func (e *env) printf(format string, args ...any) { fmt.Fprintf(e.c.App.Writer, format, args...) }

// wallet loads --keypair (IONET_KEYPAIR), or the Solana CLI's default keypair,
// ~/.config/solana/id.json, when neither is given.
func (e *env) wallet() (solana.PrivateKey, error) {
	if p := e.c.String("keypair"); p != "" {
		return loadKeypair("--keypair", p)
	}
	p, err := defaultKeypair()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("no wallet: --keypair is not given (nor IONET_KEYPAIR) and the Solana CLI's default keypair %s does not exist "+
			"(create one with `solana-keygen new` or `ionet dev keygen %s`)", p, p)
	}
	return loadKeypair("keypair", p)
}

// defaultKeypair is the Solana CLI's default keypair file: ~/.config/solana/id.json.
func defaultKeypair() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", usagef("--keypair is not given and there is no home directory for the default ~/.config/solana/id.json: %v", err)
	}
	return filepath.Join(home, ".config", "solana", "id.json"), nil
}

// loadKeypair reads a Solana CLI JSON keypair file; flag names where the path came
// from in errors.
func loadKeypair(flag, path string) (solana.PrivateKey, error) { return cliapp.LoadKeypair(flag, path) }

// config reads io-staking's config: the mints and parameters come from the chain.
func (e *env) config() (*iostaking.StakingConfig, error) {
	return e.client.Config(e.ctx)
}

// args checks the number of positional arguments.
func args(c *cli.Context, names ...string) error {
	path := commandPath(c)
	for _, a := range c.Args().Slice() {
		if strings.HasPrefix(a, "-") {
			return usagef("%s: %q looks like a flag; flags go before the arguments (ionet %s [flags] %s)",
				path, a, path, strings.Join(names, " "))
		}
	}
	if c.NArg() != len(names) {
		return usagef("%s takes %d argument(s): %v, got %d", path, len(names), names, c.NArg())
	}
	return nil
}

// commandPath is the command as typed after "ionet", e.g. "hire status": urfave/cli's
// FullName gives only the last word here.
func commandPath(c *cli.Context) string {
	var words []string
	for _, ctx := range c.Lineage() {
		if ctx.Command != nil && ctx.Command.Name != "" && (ctx.App == nil || ctx.Command.Name != ctx.App.Name) {
			words = append([]string{ctx.Command.Name}, words...)
		}
	}
	return strings.Join(words, " ")
}

func pubkeyArg(what, s string) (solana.PublicKey, error) {
	k, err := solana.PublicKeyFromBase58(s)
	if err != nil {
		return k, usagef("%s %q is not a base58 address: %v", what, s, err)
	}
	return k, nil
}

func amountArg(s string) (uint64, error) {
	v, err := staking.ParseIO(s)
	if err != nil {
		return 0, usageError{Msg: err.Error()}
	}
	if v == 0 {
		return 0, usagef("amount must be positive")
	}
	return v, nil
}

// node resolves a node argument: a node address, or a worker key whose node exists.
func (e *env) node(s string) (solana.PublicKey, *iostaking.Node, error) {
	k, err := pubkeyArg("node", s)
	if err != nil {
		return k, nil, err
	}
	addr, n, err := e.client.ResolveNode(e.ctx, k)
	if errors.Is(err, staking.ErrUnknownNode) {
		return k, nil, fmt.Errorf("unknown node %s: %w", k, staking.ErrUnknownNode)
	}
	return addr, n, err
}

func fmtIO(v uint64) string { return staking.FormatIO(v) + " $IO" }

// isLocalnet says whether the RPC node is an ionet-localnet (localnet.Detect; a node
// that cannot say counts as none); asked once per command.
func (e *env) isLocalnet() bool {
	if e.localnet == nil {
		yes, err := localnet.Detect(e.ctx, e.client.RPC)
		yes = yes && err == nil
		e.localnet = &yes
	}
	return *e.localnet
}

// className names a class id as the explorer and the gateway do
// (network.ClassNameOn): localnet-cpu for the generic-CPU id on an ionet-localnet.
func (e *env) className(id uint8) string {
	return network.ClassNameOn(id, id == classes.LocalnetCPU.ID && e.isLocalnet())
}
