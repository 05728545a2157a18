# The two commands a new machine needs (README.md):
#   make demo   run the whole network locally
#   make test   run every check and test (what CI runs)
.PHONY: demo test idl bindings fmt

test:
	./scripts/test

demo:
	./scripts/demo

# Regenerate idl/*.json from the programs (no Anchor CLI needed).
idl:
	cargo run --quiet -p ionet-idl

# Regenerate the Go bindings from idl/ with the pinned anchor-go (a tool in go.mod).
bindings:
	./scripts/bindings

fmt:
	cargo fmt --all
	gofmt -w $$(git ls-files '*.go')
