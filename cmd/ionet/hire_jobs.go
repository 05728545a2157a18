package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/worker/jobs"
)

// A renter's jobs: one command on every node of its order, through each node's worker
// (worker/jobs: signed by the renter's key, which the worker checks against the
// order's renter on chain). The worker sets IONET_RANK (the node's index among the
// order's nodes by node key), IONET_WORLD_SIZE and IONET_PEERS.

func hireRunCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "the renter runs a command on every node of its active order (rank by node key; IONET_RANK, IONET_PEERS set by each worker)",
		ArgsUsage: "<order> -- <command> [args…]",
		Action:    hireRun,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "env", Usage: "NAME=VALUE for the command (repeat; IONET_* are the worker's)"},
			&cli.StringFlag{Name: "image", Usage: "container image, for workers that run jobs in containers"},
			&cli.BoolFlag{Name: "wait", Usage: "wait until every node's job has ended; exit 1 unless all exited 0"},
			&cli.DurationFlag{Name: "timeout", Usage: "with --wait: how long to wait", Value: 10 * time.Minute},
		},
	}
}

func hireJobsCommand() *cli.Command {
	return &cli.Command{
		Name:      "jobs",
		Usage:     "every job of the renter's order on every node of it, with its state",
		ArgsUsage: "<order>",
		Action:    hireJobs,
		Flags:     []cli.Flag{nodesFlag()},
	}
}

func hireLogsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "a job's output: a job id, or a run (hire run's run id) for every rank's",
		ArgsUsage: "<order> <job>",
		Action:    hireLogs,
		Flags:     []cli.Flag{nodesFlag()},
	}
}

func hireStopCommand() *cli.Command {
	return &cli.Command{
		Name:      "stop",
		Usage:     "stop a running job: a job id, or a run (hire run's run id) on every rank",
		ArgsUsage: "<order> <job>",
		Action:    hireStop,
		Flags:     []cli.Flag{nodesFlag()},
	}
}

func nodesFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "node", Usage: "ask only this node (repeat); the order's open assignments by default, and an order whose assignments closed needs it"}
}

// JobRow is one job on one node, as hire run, jobs and logs show it.
type JobRow struct {
	Node     string      `json:"node"`
	Endpoint string      `json:"endpoint"`
	Job      jobs.Status `json:"job"`
	Output   *string     `json:"output,omitempty"`
}

// NodeError is a node whose worker did not answer or refused.
type NodeError struct {
	Node  string `json:"node"`
	Error string `json:"error"`
}

// jobNode is a node of an order and its worker's endpoint.
type jobNode struct {
	node     solana.PublicKey
	endpoint string
}

// renterJobs checks that --keypair is the order's renter and returns the jobs client
// and the order.
func (e *env) renterJobs(s string) (jobs.Client, solana.PublicKey, *iohire.HireOrder, error) {
	w, err := e.wallet()
	if err != nil {
		return jobs.Client{}, solana.PublicKey{}, nil, err
	}
	client := jobs.Client{Key: ed25519.PrivateKey(w), HTTP: &http.Client{Timeout: 10 * time.Second}}
	address, o, _, err := e.order(s)
	if errors.Is(err, staking.ErrNotFound) && len(e.c.StringSlice("node")) > 0 {
		// A closed order: its nodes still hold its jobs, and each checks that the
		// request is signed by the order's renter.
		return client, address, &iohire.HireOrder{Renter: w.PublicKey()}, nil
	}
	if err != nil {
		return jobs.Client{}, address, nil, err
	}
	if !o.Renter.Equals(w.PublicKey()) {
		return jobs.Client{}, address, nil, fmt.Errorf("order %s is renter %s's; --keypair is %s, and workers take jobs from the renter only",
			address, o.Renter, w.PublicKey())
	}
	return client, address, o, nil
}

// jobNodes is the nodes to ask: --node's, or the order's open assignments in rank
// order (by node key, as the workers rank them).
func (e *env) jobNodes(order solana.PublicKey) ([]jobNode, error) {
	var keys []solana.PublicKey
	for _, s := range e.c.StringSlice("node") {
		for _, one := range strings.Split(s, ",") {
			k, _, err := e.node(strings.TrimSpace(one))
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		as, err := e.hire.Assignments(e.ctx, order)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			keys = append(keys, a.Assignment.Node)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("order %s has no open assignment (unmatched, or its parts closed): name its nodes with --node", order)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i][:], keys[j][:]) < 0 })
	out := make([]jobNode, 0, len(keys))
	for _, k := range keys {
		n, err := e.client.Node(e.ctx, k)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", k, err)
		}
		out = append(out, jobNode{node: k, endpoint: n.Endpoint})
	}
	return out, nil
}

// runCommand splits hire run's arguments: the order, then the command (after an
// optional --).
func runCommand(c *cli.Context) (string, []string, error) {
	a := c.Args().Slice()
	if len(a) == 0 || strings.HasPrefix(a[0], "-") {
		return "", nil, usagef("hire run takes <order> -- <command> [args…] (flags before the order)")
	}
	order, cmd := a[0], a[1:]
	if len(cmd) > 0 && cmd[0] == "--" {
		cmd = cmd[1:]
	}
	if len(cmd) == 0 || cmd[0] == "" {
		return "", nil, usagef("hire run: no command after the order (ionet hire run <order> -- <command> [args…])")
	}
	return order, cmd, nil
}

// followUp is how a printed follow-up command starts: "ionet", with --keypair when
// the wallet came from the flag, since the command fails without it ("no wallet"),
// or names another renter. From IONET_KEYPAIR or the default keypair it works as is.
func followUp(c *cli.Context) string {
	p := c.String("keypair")
	if p == "" || p == os.Getenv("IONET_KEYPAIR") {
		return "ionet"
	}
	return shellJoin([]string{"ionet", "--keypair", p})
}

func hireRun(c *cli.Context) error {
	orderArg, command, err := runCommand(c)
	if err != nil {
		return err
	}
	env := map[string]string{}
	for _, kv := range c.StringSlice("env") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("--env %q: NAME=VALUE", kv)
		}
		if strings.HasPrefix(k, "IONET_") {
			return usagef("--env %s: IONET_* variables are set by the worker", k)
		}
		env[k] = v
	}
	e := newEnv(c)
	client, order, o, err := e.renterJobs(orderArg)
	if err != nil {
		return err
	}
	if o.Status != iohire.OrderStatus_Active {
		return fmt.Errorf("order %s is %s: jobs run on an active (matched) order's nodes", order, orderStatus(o))
	}
	nodes, err := e.jobNodes(order)
	if err != nil {
		return err
	}
	var nonce [6]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return err
	}
	run := "run-" + hex.EncodeToString(nonce[:])
	if len(env) == 0 {
		env = nil
	}
	var rows []JobRow
	var failed []NodeError
	for _, n := range nodes {
		st, err := client.Submit(e.ctx, n.endpoint, jobs.Spec{Order: order.String(), Node: n.node.String(),
			Command: command, Env: env, Image: c.String("image"), Nonce: run})
		if err != nil {
			failed = append(failed, NodeError{Node: n.node.String(), Error: err.Error()})
			continue
		}
		rows = append(rows, JobRow{Node: n.node.String(), Endpoint: n.endpoint, Job: st})
	}
	// A run is all its ranks or none: when a node refused, the ranks that started
	// would wait for a peer that never comes, so they are stopped.
	if len(failed) > 0 {
		for i := range rows {
			if rows[i].Job.State != jobs.StateRunning {
				continue
			}
			if st, err := client.Stop(e.ctx, rows[i].Endpoint, rows[i].Job.ID); err == nil {
				rows[i].Job = st
			}
		}
	}
	if c.Bool("wait") && len(rows) > 0 && len(failed) == 0 {
		deadline := time.Now().Add(c.Duration("timeout"))
		for i := range rows {
			for rows[i].Job.State == jobs.StateRunning {
				if time.Now().After(deadline) {
					return fmt.Errorf("run %s: rank %d's job %s still runs after %s", run, rows[i].Job.Rank, rows[i].Job.ID, c.Duration("timeout"))
				}
				select {
				case <-e.ctx.Done():
					return e.ctx.Err()
				case <-time.After(200 * time.Millisecond):
				}
				st, err := client.Job(e.ctx, rows[i].Endpoint, rows[i].Job.ID)
				if err != nil {
					return fmt.Errorf("run %s: node %s: %w", run, rows[i].Node, err)
				}
				rows[i].Job = st
			}
		}
	}
	err = output(c, struct {
		Run    string      `json:"run"`
		Order  string      `json:"order"`
		Jobs   []JobRow    `json:"jobs"`
		Failed []NodeError `json:"failed,omitempty"`
	}{run, order.String(), nonNil(rows), failed}, func(w io.Writer) {
		fmt.Fprintf(w, "run %s on order %s: %s on %d node(s)\n", run, order, shellJoin(command), len(nodes))
		for _, r := range rows {
			fmt.Fprintf(w, "  rank %d of %d  node %s  job %s  %s\n", r.Job.Rank, r.Job.WorldSize, r.Node, r.Job.ID, jobState(r.Job))
		}
		for _, f := range failed {
			fmt.Fprintf(w, "  node %s refused: %s\n", f.Node, f.Error)
		}
		ionet := followUp(c)
		fmt.Fprintf(w, "  %s hire jobs %s; %s hire logs %s %s\n", ionet, order, ionet, order, run)
	})
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("run %s: %d of %d node(s) refused the job; the ranks that started were stopped", run, len(failed), len(nodes))
	}
	if c.Bool("wait") {
		for _, r := range rows {
			if r.Job.State != jobs.StateExited || r.Job.ExitCode == nil || *r.Job.ExitCode != 0 {
				return fmt.Errorf("run %s: rank %d's job %s %s", run, r.Job.Rank, r.Job.ID, jobState(r.Job))
			}
		}
	}
	return nil
}

// shellJoin shows a command as a shell would read it: an argument with spaces or
// shell characters in single quotes.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]{}~#!") {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// jobState is "running", "exited 0", "stopped (reason)"…
func jobState(s jobs.Status) string {
	out := s.State
	if s.ExitCode != nil && s.State == jobs.StateExited {
		out = fmt.Sprintf("%s %d", out, *s.ExitCode)
	}
	if s.Reason != "" {
		out += " (" + s.Reason + ")"
	}
	return out
}

// orderJobs asks every node for the renter's jobs and keeps the order's (and, when
// match is set, those it matches).
func (e *env) orderJobs(client jobs.Client, order solana.PublicKey, o *iohire.HireOrder, nodes []jobNode, match func(jobs.Status) bool) ([]JobRow, []NodeError) {
	var rows []JobRow
	var failed []NodeError
	for _, n := range nodes {
		list, err := client.List(e.ctx, n.endpoint)
		if err != nil {
			failed = append(failed, NodeError{Node: n.node.String(), Error: err.Error()})
			continue
		}
		for _, st := range list {
			if ofOrder(st, order, o) && (match == nil || match(st)) {
				rows = append(rows, JobRow{Node: n.node.String(), Endpoint: n.endpoint, Job: st})
			}
		}
	}
	return rows, failed
}

// ofOrder says whether job st ran for order o at address order: the same address
// and the same creation, since a closed order's id can be taken again. Where either
// side does not know the creation (a worker before OrderCreatedAt, or an order
// already closed, o.CreatedAt 0), the address alone decides.
func ofOrder(st jobs.Status, order solana.PublicKey, o *iohire.HireOrder) bool {
	return st.Order == order.String() && (st.OrderCreatedAt == 0 || o.CreatedAt == 0 || st.OrderCreatedAt == o.CreatedAt)
}

func hireJobs(c *cli.Context) error {
	if err := args(c, "order"); err != nil {
		return err
	}
	e := newEnv(c)
	client, order, o, err := e.renterJobs(c.Args().First())
	if err != nil {
		return err
	}
	nodes, err := e.jobNodes(order)
	if err != nil {
		return err
	}
	rows, failed := e.orderJobs(client, order, o, nodes, nil)
	err = output(c, struct {
		Order  string      `json:"order"`
		Jobs   []JobRow    `json:"jobs"`
		Failed []NodeError `json:"failed,omitempty"`
	}{order.String(), nonNil(rows), failed}, func(w io.Writer) {
		fmt.Fprintf(w, "%d job(s) of order %s on %d node(s)\n", len(rows), order, len(nodes))
		for _, r := range rows {
			run := ""
			if r.Job.Nonce != "" {
				run = "  " + r.Job.Nonce
			}
			fmt.Fprintf(w, "  rank %d of %d  node %s  job %s%s  started %s  %s\n", r.Job.Rank, r.Job.WorldSize, r.Node, r.Job.ID,
				run, r.Job.Started.UTC().Format("15:04:05Z"), jobState(r.Job))
		}
		for _, f := range failed {
			fmt.Fprintf(w, "  node %s did not answer: %s\n", f.Node, f.Error)
		}
	})
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d node(s) did not answer", len(failed), len(nodes))
	}
	return nil
}

func nonNil(rows []JobRow) []JobRow {
	if rows == nil {
		return []JobRow{}
	}
	return rows
}

func hireLogs(c *cli.Context) error {
	if err := args(c, "order", "job"); err != nil {
		return err
	}
	e := newEnv(c)
	client, order, o, err := e.renterJobs(c.Args().Get(0))
	if err != nil {
		return err
	}
	job := c.Args().Get(1)
	if job == "" {
		return usagef("hire logs: the job is a job id or a run id")
	}
	nodes, err := e.jobNodes(order)
	if err != nil {
		return err
	}
	rows, failed := e.orderJobs(client, order, o, nodes, func(s jobs.Status) bool { return s.ID == job || s.Nonce == job })
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Job.Rank < rows[j].Job.Rank })
	for i := range rows {
		out, err := client.Logs(e.ctx, rows[i].Endpoint, rows[i].Job.ID)
		if err != nil {
			failed = append(failed, NodeError{Node: rows[i].Node, Error: err.Error()})
			continue
		}
		rows[i].Output = &out
	}
	if len(rows) == 0 && len(failed) == 0 {
		return fmt.Errorf("no job or run %q of order %s on its %d node(s)", job, order, len(nodes))
	}
	err = output(c, struct {
		Order  string      `json:"order"`
		Jobs   []JobRow    `json:"jobs"`
		Failed []NodeError `json:"failed,omitempty"`
	}{order.String(), nonNil(rows), failed}, func(w io.Writer) {
		for _, r := range rows {
			if r.Output == nil {
				continue
			}
			fmt.Fprintf(w, "== rank %d of %d, node %s, job %s: %s\n", r.Job.Rank, r.Job.WorldSize, r.Node, r.Job.ID, jobState(r.Job))
			fmt.Fprint(w, *r.Output)
			if n := len(*r.Output); n > 0 && (*r.Output)[n-1] != '\n' {
				fmt.Fprintln(w)
			}
		}
		for _, f := range failed {
			fmt.Fprintf(w, "== node %s did not answer: %s\n", f.Node, f.Error)
		}
	})
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d node(s) did not answer", len(failed))
	}
	return nil
}

// hireStop stops the order's running jobs that match a job id or a run id (the
// worker signals the job's process group, or stops its container).
func hireStop(c *cli.Context) error {
	if err := args(c, "order", "job"); err != nil {
		return err
	}
	e := newEnv(c)
	client, order, o, err := e.renterJobs(c.Args().Get(0))
	if err != nil {
		return err
	}
	job := c.Args().Get(1)
	nodes, err := e.jobNodes(order)
	if err != nil {
		return err
	}
	rows, failed := e.orderJobs(client, order, o, nodes, func(s jobs.Status) bool { return s.ID == job || s.Nonce == job })
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Job.Rank < rows[j].Job.Rank })
	if len(rows) == 0 && len(failed) == 0 {
		return fmt.Errorf("no job or run %q of order %s on its %d node(s)", job, order, len(nodes))
	}
	for i := range rows {
		if rows[i].Job.State != jobs.StateRunning {
			continue
		}
		st, err := client.Stop(e.ctx, rows[i].Endpoint, rows[i].Job.ID)
		if err != nil {
			failed = append(failed, NodeError{Node: rows[i].Node, Error: err.Error()})
			continue
		}
		rows[i].Job = st
	}
	err = output(c, struct {
		Order  string      `json:"order"`
		Jobs   []JobRow    `json:"jobs"`
		Failed []NodeError `json:"failed,omitempty"`
	}{order.String(), nonNil(rows), failed}, func(w io.Writer) {
		for _, r := range rows {
			fmt.Fprintf(w, "rank %d of %d  node %s  job %s  %s\n", r.Job.Rank, r.Job.WorldSize, r.Node, r.Job.ID, jobState(r.Job))
		}
		for _, f := range failed {
			fmt.Fprintf(w, "node %s did not answer: %s\n", f.Node, f.Error)
		}
	})
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d node(s) did not answer", len(failed))
	}
	return nil
}
