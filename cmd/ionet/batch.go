package main

import (
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/chain/txbatch"
)

// sendBatches sends a flow of items (claims across many positions or nodes) as
// transactions of at most 1,232 bytes, paid and signed by payer, naming refusals with
// decoders. It writes a progress line per transaction (and per blockhash that
// expired on the way) to stderr. It returns the signatures that landed, in order; when a
// transaction fails, those before it stay landed and the error says how far the
// flow got (the commands plan from the chain, so running one again claims only what
// is still owed).
func (e *env) sendBatches(payer solana.PrivateKey, items []txbatch.Item, decoders staking.Decoders) ([]solana.Signature, error) {
	batches, err := txbatch.Pack(payer.PublicKey(), items, 0)
	if err != nil {
		return nil, err
	}
	s := &txbatch.Sender{RPC: e.client.RPC, Signers: []solana.PrivateKey{payer}, Progress: e.c.App.ErrWriter,
		Name: func(err any, ixs []solana.Instruction) error { return staking.NameError(err, decoders, ixs) }}
	st, err := s.Send(e.ctx, batches, nil)
	var sigs []solana.Signature
	for _, b := range st.Batches {
		if b.Confirmed {
			sigs = append(sigs, b.Signature)
		}
	}
	if err != nil {
		return sigs, fmt.Errorf("%d of %d transaction(s) landed, then %w (run the command again to go on)", len(sigs), len(batches), err)
	}
	return sigs, nil
}
