// Package staking reads and writes io-staking from Go clients: the PDAs, the
// getProgramAccounts filters of docs/staking.md, exact $IO amounts, the share-pool
// arithmetic a wallet shows (what shares are worth, the delegation caps, pending
// rewards), the instructions a wallet sends with their accounts filled in, and one
// way to send and confirm them that names the program's errors.
//
// Everything that does not touch the network (pdas.go, amount.go, filters.go,
// pool.go, build.go) is a plain function with table tests; Client (client.go,
// send.go) is the thin part that talks JSON-RPC.
package staking
