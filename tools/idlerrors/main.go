// Command idlerrors writes a bindings package's error_codes.go from an Anchor IDL: a
// constant per error, the table Errors, ErrorByCode and DecodeError. anchor-go emits no
// error codes, so this is how Go learns them without copying numbers by hand.
// scripts/bindings runs it next to anchor-go.
//
//	go run ./tools/idlerrors -idl idl/io_staking.json -pkg iostaking -out bindings/iostaking/error_codes.go
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	idlPath := flag.String("idl", "", "the program's Anchor IDL, e.g. idl/io_staking.json")
	pkg := flag.String("pkg", "", "Go package name (default: the IDL file's name without underscores)")
	out := flag.String("out", "", "file to write (default: standard output)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: idlerrors -idl idl/<program>.json [-pkg name] [-out file]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*idlPath, *pkg, *out); err != nil {
		fmt.Fprintln(os.Stderr, "idlerrors:", err)
		os.Exit(1)
	}
}

func run(idlPath, pkg, out string) error {
	if idlPath == "" || flag.NArg() > 0 {
		flag.Usage()
		return fmt.Errorf("want -idl and no arguments")
	}
	if pkg == "" {
		pkg = strings.ReplaceAll(strings.TrimSuffix(filepath.Base(idlPath), ".json"), "_", "")
	}
	raw, err := os.ReadFile(idlPath)
	if err != nil {
		return err
	}
	src, err := generate(raw, pkg, filepath.ToSlash(idlPath))
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(src)
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
