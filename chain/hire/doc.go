// Package hire reads and writes io-hire from Go clients: its PDAs, orders and their
// assignments, exact IOSD and USD amounts, and the instructions renters, keepers and
// crankers send (create_order, assign, claim_earnings, cancel, close_order) with
// every account filled in. It mirrors chain/staking and sends through its Client,
// naming io-hire's errors.
package hire
