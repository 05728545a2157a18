package main

import (
	"regexp"
)

// builder matches one generated instruction builder, from its signature to the end of
// its body, capturing the instruction's name.
var builder = regexp.MustCompile(`(?s)func New(\w+)Instruction\(.*?\n}\n`)

// noData is how anchor-go ends a builder whose instruction takes no arguments.
var noData = regexp.MustCompile(`accounts__,\n(\t+)nil,\n`)

// Repair gives every builder that sends no data its discriminator
// (`Instruction_<Name>`, declared in the same package); it returns the new source
// and how many builders changed.
func Repair(src []byte) ([]byte, int) {
	changed := 0
	out := builder.ReplaceAllFunc(src, func(fn []byte) []byte {
		name := builder.FindSubmatch(fn)[1]
		if !noData.Match(fn) {
			return fn
		}
		changed++
		return noData.ReplaceAll(fn, []byte("accounts__,\n${1}Instruction_"+string(name)+"[:],\n"))
	})
	return out, changed
}
