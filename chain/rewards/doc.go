// Package rewards reads and writes io-rewards from Go clients: its PDAs, the keeper
// account, epoch reports and node claims, the instructions keepers and crankers send
// (register_keeper, commit_observations, submit_report_vote, claim), and one epoch's
// round as keepers run it (Round), built with oracle/report. It mirrors chain/staking
// and sends through its Client, naming io-rewards' errors.
package rewards
