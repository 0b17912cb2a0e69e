// Command telepresence is a stand-in for the real telepresence CLI, used by
// the e2e tests of docker-telepresence. It speaks the contract of SPEC §5
// (status/connect/intercept/leave/quit with JSON output, plus the
// SetDNSMappings gRPC call) against a real Docker Engine, but needs no
// Kubernetes cluster: intercept results come from fixture.json.
//
// Environment:
//
//	TP_STANDIN_STATE  directory holding fixture.json, state.json, calls.jsonl,
//	                  dns.jsonl (required, except for daemon-foreground)
//	TP_STANDIN_IMAGE  image of the daemon container (default tpe2e-daemon:latest)
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// exitSilently is returned by a command that has already printed its own
// failure (e.g. intercept's {"err":...} on stdout) and only needs exit 1.
var exitSilently = errors.New("exit 1")

// env is what every command gets: where the state lives and the fixture.
type env struct {
	dir     string
	fixture fixture.Fixture
	image   string
}

var commands = map[string]func(e *env, args []string) error{
	"status":    status,
	"connect":   connect,
	"intercept": intercept,
	"leave":     leave,
	"list":      list,
	"quit":      quit,
	"version":   version,
}

func main() {
	args := os.Args[1:]
	// daemon-foreground runs inside the daemon container, where there is no
	// state directory; it only records DNS mappings to its --record file.
	if len(args) > 0 && args[0] == "daemon-foreground" {
		if err := daemonForeground(args[1:]); err != nil {
			fmt.Fprintf(os.Stderr, "telepresence daemon-foreground: error: %v\n", err)
			os.Exit(1)
		}
		return
	}

	dir := os.Getenv("TP_STANDIN_STATE")
	if dir == "" {
		fmt.Fprintln(os.Stderr, "telepresence (stand-in): error: TP_STANDIN_STATE is not set")
		os.Exit(1)
	}
	// Record the call before acting, so failing calls are visible too.
	if err := appendJSONLine(filepath.Join(dir, fixture.CallsFile), fixture.Call{Args: args}); err != nil {
		fmt.Fprintf(os.Stderr, "telepresence (stand-in): error: recording call: %v\n", err)
		os.Exit(1)
	}

	name := ""
	if len(args) > 0 {
		name = args[0]
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "telepresence: error: unknown command %q (stand-in)\n", name)
		os.Exit(1)
	}
	e := &env{dir: dir, image: os.Getenv("TP_STANDIN_IMAGE")}
	if e.image == "" {
		e.image = "tpe2e-daemon:latest"
	}
	err := readFixture(dir, &e.fixture)
	if err == nil {
		err = cmd(e, args[1:])
	}
	if err != nil {
		if err != exitSilently {
			// With --output json, real telepresence reports errors as
			// {"err": ...} on stdout; the stand-in also keeps the stderr
			// line so a caller may rely on either.
			if wantsJSON(args) {
				_ = printJSON(map[string]string{"err": err.Error()})
			}
			fmt.Fprintf(os.Stderr, "telepresence %s: error: %v\n", name, err)
		}
		os.Exit(1)
	}
}

// wantsJSON reports whether the command line asks for --output json.
func wantsJSON(args []string) bool {
	for i, a := range args {
		if a == "--output=json" || a == "--output" && i+1 < len(args) && args[i+1] == "json" {
			return true
		}
	}
	return false
}

func version(_ *env, _ []string) error {
	fmt.Println("Client: v2.20.2-standin")
	return nil
}

// printJSON writes v as one JSON line on stdout.
func printJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(data))
	return err
}
