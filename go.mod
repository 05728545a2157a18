module github.com/ionet-network/ionet

go 1.26

require (
	github.com/NVIDIA/go-nvml v0.13.1-0 // indirect
	github.com/ebitengine/purego v0.9.1 // indirect
	golang.org/x/sys v0.38.0 // indirect
)
