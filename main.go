// Command frontdoor is a chat-bot front door through which businesses reach
// their local government: it answers policy questions from the
// government's own documents, routes complaints to the unit that leads the
// policy, hands conversations to service staff and keeps the 有呼必应
// response clock. Run `frontdoor help` for the commands.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

// command is one CLI command.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve HTTP: the message API, channels, console and dashboard", runServe},
		{"kb", "inspect and extend the knowledge base: kb dump|query|stats|expand", runKB},
		{"eval", "measure the engine on a labelled set of messages", runEval},
		{"calendar", "working-day arithmetic: calendar deadline", runCalendar},
		{"user", "console users: user add|passwd|disable|enable|list", runUser},
		{"report", "per-unit response figures of a region: report --region R", runReport},
		{"clocks", "open tickets' clocks, due first; --fire fires what is due now", runClocks},
		{"health", "exit 0 when the server on this machine is ready (for container health checks)", runHealth},
		{"version", "print the version", func(_ []string, out, _ io.Writer) error {
			fmt.Fprintln(out, "frontdoor", version)
			return nil
		}},
		{"help", "list the commands", func(_ []string, out, _ io.Writer) error {
			usage(out)
			return nil
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: frontdoor <command> [flags]\n\ncommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `frontdoor <command> --help` for a command's flags.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a command and turns its error into an exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		name = "help"
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		switch {
		case err == nil, err == flag.ErrHelp:
			return 0
		case err == errUsage:
			return 2
		}
		fmt.Fprintln(stderr, "frontdoor "+name+":", err)
		return 1
	}
	fmt.Fprintf(stderr, "frontdoor: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

// errUsage means a command already printed what was wrong with its flags.
var errUsage = fmt.Errorf("usage")

// newFlags makes a command's flag set that prints to stderr and returns
// errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: frontdoor %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, mapping parse errors to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	return nil
}
