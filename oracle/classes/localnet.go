package classes

import "time"

// LocalnetCPU is a CPU class sized down for local networks (make demo, tests): a
// commitment is 2·1024·1024·256·2 ≈ 1.07·10⁹ operations, tens of milliseconds on
// worker/gemm, so challenge windows of a few seconds fit a short epoch. It belongs
// to the generic-CPU family (its id), which the programs accept as a node's class.
// Its peak (10 TOPS) is set high so that no CPU answering it is flagged as too fast.
//
// Only binaries started with --localnet-classes know it (LocalnetLookup): a keeper
// without that flag does not challenge such a node, so it earns nothing elsewhere.
var LocalnetCPU = func() Class {
	c := Class{ID: CPUGenericID, Name: "localnet-cpu", M: 1024, K: 1024, N: 256, T: 2,
		DensePeakTOPS: 10, Source: "localnet: sized for milliseconds, not a device"}
	c.RefTime = time.Duration(c.Ops() / (RefEfficiency * c.DensePeakTOPS * 1e12) * float64(time.Second))
	return c
}()

// LocalnetLookup is ByName that also knows LocalnetCPU.
func LocalnetLookup(name string) (Class, error) {
	if name == LocalnetCPU.Name {
		return LocalnetCPU, nil
	}
	return ByName(name)
}
