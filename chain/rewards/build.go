package rewards

import (
	"crypto/sha256"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/report"
)

// RegisterKeeper bonds io-rewards' keeper_bond of authority's $IO and lists its
// endpoint; it serves from the next epoch.
func RegisterKeeper(authority, ioMint solana.PublicKey, endpoint string) (solana.Instruction, error) {
	return iorewards.NewRegisterKeeperInstruction(iorewards.RegisterKeeperArgs{Endpoint: endpoint},
		authority, ConfigAddress(), KeeperAddress(authority), staking.ATA(authority, ioMint),
		KeeperBondsAddress(), solana.TokenProgramID, solana.SystemProgramID)
}

// Commit is keeper's commit_observations for epoch: the hash of its observation log.
func Commit(keeper solana.PublicKey, epoch uint64, log []byte) (solana.Instruction, error) {
	return CommitHash(keeper, epoch, sha256.Sum256(log))
}

// CommitHash is keeper's commit_observations of epoch with the SHA-256 it already
// computed (ionet-keeper commits its summary's hash, which names its log's hash).
func CommitHash(keeper solana.PublicKey, epoch uint64, hash [32]byte) (solana.Instruction, error) {
	return iorewards.NewCommitObservationsInstruction(epoch, hash, keeper, ConfigAddress(),
		KeeperAddress(keeper), EpochAddress(epoch), solana.SystemProgramID)
}

// Vote is keeper's submit_report_vote of r at price (micro-USD per $IO).
func Vote(keeper solana.PublicKey, r report.EpochReport, price uint64) (solana.Instruction, error) {
	return iorewards.NewSubmitReportVoteInstruction(r.Epoch, iorewards.ReportVote{
		Root: [32]uint8(r.Root), EpochEmission: r.EpochEmission, CumulativeEmission: r.CumulativeEmission,
		IoUsdPrice: price,
	}, keeper, ConfigAddress(), KeeperAddress(keeper), EpochAddress(r.Epoch), solana.SystemProgramID)
}

// Claim pays leaf's reward, proved by proof, to operator's $IO account (created first,
// paid by payer, when missing); anyone may crank it.
func Claim(payer, operator, ioMint solana.PublicKey, l report.Leaf, proof [][32]uint8) ([]solana.Instruction, error) {
	ix, err := iorewards.NewClaimInstruction(iorewards.ClaimArgs{
		Epoch: l.Epoch, Class: l.Class, TopsMilli: l.TOPSMilli, UptimeBps: l.UptimeBps, HiredBps: l.HiredBps,
		EpochReward: l.EpochReward, CumulativeReward: l.CumulativeReward, Proof: proof,
	}, payer, ConfigAddress(), EpochAddress(l.Epoch), NodeClaimsAddress(l.Node), l.Node, staking.ConfigAddress(),
		VaultAddress(), VaultAuthority(), staking.ATA(operator, ioMint), staking.DelegatorRewardsVault(ioMint),
		ioMint, AttestorAddress(), iostaking.ProgramID, solana.TokenProgramID, solana.SystemProgramID)
	if err != nil {
		return nil, err
	}
	return []solana.Instruction{staking.CreateATAIdempotent(payer, operator, ioMint), ix}, nil
}

// AnnounceExit is the first step of authority's exit from the keeper set: it stops
// serving from the next epoch and its bond starts unbonding.
func AnnounceExit(authority solana.PublicKey) (solana.Instruction, error) {
	return iorewards.NewAnnounceExitInstruction(authority, ConfigAddress(), KeeperAddress(authority))
}

// DeregisterKeeper is the second step: the bond goes back to authority's $IO account
// (created first when missing) and the keeper account closes.
func DeregisterKeeper(authority, ioMint solana.PublicKey) ([]solana.Instruction, error) {
	ix, err := iorewards.NewDeregisterKeeperInstruction(authority, ConfigAddress(), KeeperAddress(authority),
		staking.ATA(authority, ioMint), KeeperBondsAddress(), KeeperBondsAuthority(), solana.TokenProgramID)
	if err != nil {
		return nil, err
	}
	return []solana.Instruction{staking.CreateATAIdempotent(authority, authority, ioMint), ix}, nil
}
