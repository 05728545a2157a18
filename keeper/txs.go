package keeper

import (
	"context"
	"path/filepath"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/keeper/txm"
)

// txmSender sends the keeper's transactions through keeper/txm, signed and paid by
// the keeper's key, with the records in <data dir>/txm.db.
type txmSender struct {
	m   txm.Manager
	key solana.PrivateKey
}

func openTxs(k *Keeper) (*txmSender, error) {
	metrics, err := txm.NewMetrics(k.metrics.Registry)
	if err != nil {
		return nil, err
	}
	client := rpc.New(k.cfg.RPCURL)
	m, err := txm.Open(txm.Config{Path: filepath.Join(k.cfg.DataDir, "txm.db")}, txm.Deps{
		RPC: metrics.Instrument(client), Keys: txm.KeysOf(k.cfg.Keypair),
		Logger: k.log.With("part", "txm"), Metrics: metrics,
	})
	if err != nil {
		return nil, err
	}
	return &txmSender{m: m, key: k.cfg.Keypair}, nil
}

func (s *txmSender) Send(ctx context.Context, key string, ixs ...solana.Instruction) error {
	tx, err := s.m.Submit(ctx, txm.Request{Key: key, Instructions: ixs, FeePayer: s.key})
	if err != nil {
		return err
	}
	return tx.Err()
}

func (s *txmSender) Close() error { return s.m.Close() }
