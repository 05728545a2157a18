// Package cliapp is what the command lines of ionet's binaries (ionet, ionet-keeper,
// ionet-worker) share: usage errors, which exit with status 2 and change nothing,
// and the log/slog logger that --log-level and --log-format choose.
package cliapp

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

// UsageError is a bad flag, argument or config value: the command did nothing.
type UsageError struct{ Msg string }

func (u UsageError) Error() string { return u.Msg }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, args ...any) error { return UsageError{fmt.Sprintf(format, args...)} }

// OnUsageError is every app's and command's cli.OnUsageErrorFunc: a flag that does
// not parse is a UsageError, its message naming the flag as it is typed (Go's flag
// package, under urfave/cli, writes "-name").
func OnUsageError(_ *cli.Context, err error, _ bool) error {
	return UsageError{Msg: flagDash.ReplaceAllString(err.Error(), "${1}--${2}")}
}

var flagDash = regexp.MustCompile(`(flag |for |: )-([A-Za-z][A-Za-z0-9-]*)`)

// CheckRPCURL is a usage error unless s is an http(s) URL with a host: what every
// binary's --rpc-url must be before any call goes out.
func CheckRPCURL(flag, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Usagef("%s %q: want an http(s)://host:port URL of a Solana JSON-RPC endpoint", flag, s)
	}
	return nil
}

// ExitCode prints err after the program's name on stderr and returns the exit
// status: 0 for nil, 2 for a usage error, 1 for the rest.
func ExitCode(stderr io.Writer, program string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", program, err)
	var u UsageError
	// urfave/cli reports missing required flags with an unexported type; its message
	// is the only handle.
	if errors.As(err, &u) || strings.HasPrefix(err.Error(), "Required flag") {
		return 2
	}
	return 1
}

// Logger is the slog logger on the app's error writer that the context's
// --log-level (debug, info, warn, error) and --log-format (text, json) ask for; a
// bad value is a usage error.
func Logger(c *cli.Context) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, Usagef("--log-level %q: want debug, info, warn or error", c.String("log-level"))
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.String("log-format") {
	case "text":
		return slog.New(slog.NewTextHandler(c.App.ErrWriter, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(c.App.ErrWriter, opts)), nil
	}
	return nil, Usagef("--log-format %q: want text or json", c.String("log-format"))
}
