// Command bindfix repairs what anchor-go v1.0.0 generates for instructions without
// arguments: their builders send no data at all, so Anchor answers
// InstructionFallbackNotFound (101). bindfix rewrites each such builder in an
// instructions.go to send the instruction's 8-byte discriminator, the data Anchor
// expects. scripts/bindings runs it on every generated package.
//
// Usage: bindfix -file bindings/<pkg>/instructions.go
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	file := flag.String("file", "", "the generated instructions.go to repair in place")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "bindfix: -file is required")
		os.Exit(2)
	}
	src, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bindfix:", err)
		os.Exit(1)
	}
	out, n := Repair(src)
	if err := os.WriteFile(*file, out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "bindfix:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "bindfix: %s: %d argument-less builders now send their discriminator\n", *file, n)
}
