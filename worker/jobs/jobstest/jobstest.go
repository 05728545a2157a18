// Package jobstest holds job programs for tests of hired jobs, run by a test binary
// re-executing itself (Main, called from TestMain): no tool beyond the binary is
// needed on the machine.
package jobstest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Env names the program a test binary runs as a job instead of its tests.
const Env = "JOBSTEST_PROGRAM"

// Programs.
const (
	// Peer: rank 0 collects VALUE from rank 1 through IONET_PEERS (port
	// PEER_PORT_BASE + rank) and prints "collected <value> from rank 1 at <addr>";
	// every other rank serves its VALUE once on its port, then exits.
	Peer = "peer"
	// Limits prints the job's RLIMIT_NOFILE and RLIMIT_AS ("nofile=N as=N").
	Limits = "limits"
	// Sleep prints "sleeping" and sleeps until killed.
	Sleep = "sleep"
	// GPUs prints CUDA_VISIBLE_DEVICES=… as the job sees it.
	GPUs = "gpus"
)

// Main runs the program Env names and exits; it returns when Env is unset.
func Main() {
	prog := os.Getenv(Env)
	if prog == "" {
		return
	}
	var err error
	switch prog {
	case Peer:
		err = peer()
	case Limits:
		var nofile, as unix.Rlimit
		_ = unix.Getrlimit(unix.RLIMIT_NOFILE, &nofile)
		_ = unix.Getrlimit(unix.RLIMIT_AS, &as)
		fmt.Printf("nofile=%d as=%d\n", nofile.Cur, as.Cur)
	case GPUs:
		fmt.Printf("CUDA_VISIBLE_DEVICES=%s\n", os.Getenv("CUDA_VISIBLE_DEVICES"))
	case Sleep:
		fmt.Println("sleeping")
		time.Sleep(time.Hour)
	default:
		err = fmt.Errorf("unknown program %q", prog)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "jobstest:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func peer() error {
	rank, err := strconv.Atoi(os.Getenv("IONET_RANK"))
	if err != nil {
		return fmt.Errorf("IONET_RANK: %w", err)
	}
	base, err := strconv.Atoi(os.Getenv("PEER_PORT_BASE"))
	if err != nil {
		return fmt.Errorf("PEER_PORT_BASE: %w", err)
	}
	fmt.Printf("rank %d of %s, order %s, peers %q\n", rank, os.Getenv("IONET_WORLD_SIZE"), os.Getenv("IONET_ORDER"), os.Getenv("IONET_PEERS"))
	if rank != 0 {
		ln, err := net.Listen("tcp", fmt.Sprintf(":%d", base+rank))
		if err != nil {
			return err
		}
		defer ln.Close()
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		defer conn.Close()
		_, err = fmt.Fprintln(conn, os.Getenv("VALUE"))
		fmt.Println("served my value")
		return err
	}
	peers := strings.Split(os.Getenv("IONET_PEERS"), ",")
	if len(peers) < 1 || peers[0] == "" {
		return fmt.Errorf("no peers in IONET_PEERS")
	}
	// IONET_PEERS lists the other ranks in order: rank 1 is the first.
	addr := net.JoinHostPort(peers[0], strconv.Itoa(base+1))
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			line, err := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if err != nil {
				return err
			}
			fmt.Printf("collected %s from rank 1 at %s\n", strings.TrimSpace(line), addr)
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
