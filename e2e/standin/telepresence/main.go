// Command telepresence is a stand-in for the real telepresence CLI, used by
// the e2e tests of docker-telepresence. It emulates the Telepresence release
// that fixture.json names (docs/telepresence-contract.md#release-table): the netns model of 2.20-2.22 or the
// Teleroute model of 2.23 and newer, with each release's commands, flags,
// output shapes (built from package samples) and error texts, against a
// real Docker Engine but without Kubernetes: the cluster's workloads come
// from fixture.json, and containers of the stand-in cluster play their
// pods and a cluster service.
//
// Commands: status, connect --docker (--name, several daemons side by side,
// --also-proxy, --never-proxy; --reroute-local and --reroute-remote from
// 2.24, made through the daemon's gRPC API as Telepresence makes them),
// intercept, ingest (2.21+), replace
// (2.22+), wiretap (2.23+), leave, detach (2.30+), quit, version, as the
// release has them. Test-only commands (not Telepresence's, documented in
// package fixture): standin-send sends cluster traffic to a workload, routed
// to its attachments or its pod; standin-vanish ends an attachment as if its
// pod went away. Hidden internals: daemon-foreground, standin-http,
// standin-echo and standin-cluster-service run in containers of the daemon
// image; standin-create-intercept makes a slow attachment.
//
// Environment:
//
//	TP_STANDIN_STATE  directory holding fixture.json, state.json, calls.jsonl,
//	                  dns.jsonl, traffic.jsonl, state.lock (required on the host)
//	TP_STANDIN_IMAGE  image of the daemon container (default tpe2e-daemon:latest)
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// env is what every command gets.
type env struct {
	dir   string
	fx    fixture.Fixture
	rel   release
	image string
	cmd   string // the command as invoked (leave, detach, ...)
	text  strings.Builder
}

// printf adds to the command's text output (the "stdout" of the --output
// json envelope).
func (e *env) printf(format string, a ...any) { fmt.Fprintf(&e.text, format, a...) }

// command is one CLI command: what it runs, the flags it takes, and the
// first minor release that has it.
type command struct {
	run   func(e *env, f *flags) (obj any, err error)
	flags func(r release) flagSpec
	since int
}

// ingest from 2.21 (CHANGELOG 2.21.0, pkg/client/cli/ingest/command.go),
// replace from 2.22 (CHANGELOG 2.22.0), wiretap from 2.23 (CHANGELOG
// 2.23.0), detach from 2.30 (pkg/client/cli/cmd/detach.go).
var commands = map[string]command{
	"status":         {run: status, flags: statusFlags},
	"connect":        {run: connect, flags: connectFlags},
	"intercept":      {run: intercept, flags: interceptFlags},
	"ingest":         {run: ingest, flags: ingestFlags, since: 21},
	"replace":        {run: replace, flags: replaceFlags, since: 22},
	"wiretap":        {run: wiretap, flags: wiretapFlags, since: 23},
	"leave":          {run: leave, flags: leaveFlags},
	"detach":         {run: leave, flags: leaveFlags, since: 30},
	"quit":           {run: quit, flags: quitFlags},
	"version":        {run: version, flags: noFlags},
	"standin-send":   {run: standinSend, flags: standinSendFlags},
	"standin-vanish": {run: standinVanish, flags: standinVanishFlags},
}

// inContainer are hidden subcommands that run inside containers started
// from the daemon image, where there is no state directory.
var inContainer = map[string]func(args []string) error{
	"daemon-foreground":       daemonForeground,
	"standin-http":            httpMany,
	"standin-echo":            echoServer,
	"standin-cluster-service": clusterService,
}

func main() {
	args := os.Args[1:]
	if len(args) > 0 {
		if run, ok := inContainer[args[0]]; ok {
			if err := run(args[1:]); err != nil {
				fmt.Fprintf(os.Stderr, "telepresence %s: error: %v\n", args[0], err)
				os.Exit(1)
			}
			return
		}
	}
	dir := os.Getenv("TP_STANDIN_STATE")
	if dir == "" {
		fmt.Fprintln(os.Stderr, "telepresence (stand-in): error: TP_STANDIN_STATE is not set")
		os.Exit(1)
	}
	if len(args) > 0 && args[0] == createInterceptCmd {
		os.Exit(createInterceptChild(dir, args[1:]))
	}
	// Record the call before acting, so failing calls are visible too.
	if err := appendJSONLine(filepath.Join(dir, fixture.CallsFile), fixture.Call{Args: args}); err != nil {
		fmt.Fprintf(os.Stderr, "telepresence (stand-in): error: recording call: %v\n", err)
		os.Exit(1)
	}
	os.Exit(run(dir, args))
}

func run(dir string, args []string) int {
	e := &env{dir: dir, image: os.Getenv("TP_STANDIN_IMAGE")}
	if e.image == "" {
		e.image = "tpe2e-daemon:latest"
	}
	fx, err := readFixture(dir)
	if err == nil {
		e.fx = fx
		e.rel, err = parseRelease(fx.Release)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "telepresence (stand-in): error: %v\n", err)
		return 1
	}
	if len(args) > 0 {
		e.cmd = args[0]
	}
	cmd, ok := commands[e.cmd]
	if !ok || e.rel.minor < cmd.since {
		fmt.Fprintf(os.Stderr, "telepresence: error: unknown command %q for \"telepresence\"\n", e.cmd)
		return 1
	}
	spec := cmd.flags(e.rel)
	spec.valued = append(spec.valued, "output", "use")
	if e.rel.format() {
		spec.valued = append(spec.valued, "format")
	}
	f, err := parseFlags(args[1:], spec)
	if err != nil {
		// cobra fails before the command runs; the output flags given so
		// far still pick the error's shape.
		return e.fail(guessMode(e.rel, args), err)
	}
	mode, err := outputMode(e.rel, f)
	if err != nil {
		return e.fail(modeText, err)
	}
	if e.cmd == "leave" && e.rel.detach() {
		// cobra's note for a deprecated command (pkg/client/cli/cmd/detach.go).
		fmt.Fprintln(os.Stderr, `Command "leave" is deprecated, use "detach" instead`)
	}
	obj, err := cmd.run(e, f)
	if err != nil {
		return e.fail(mode, err)
	}
	return e.succeed(mode, obj)
}
