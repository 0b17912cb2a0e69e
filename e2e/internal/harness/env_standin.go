package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// Calls returns the argv of every stand-in telepresence invocation so far.
func (e *Env) Calls() [][]string {
	e.T.Helper()
	var calls [][]string
	for _, line := range e.ReadLines(fixture.CallsFile) {
		var c fixture.Call
		if err := json.Unmarshal(line, &c); err != nil {
			e.T.Fatalf("bad line in %s: %q: %v", fixture.CallsFile, line, err)
		}
		calls = append(calls, c.Args)
	}
	return calls
}

// DNSCalls returns the mappings of every SetDNSMappings call, in order.
func (e *Env) DNSCalls() [][]fixture.DNSMapping {
	e.T.Helper()
	var calls [][]fixture.DNSMapping
	for _, line := range e.ReadLines(fixture.DNSFile) {
		var r fixture.DNSRecord
		if err := json.Unmarshal(line, &r); err != nil {
			e.T.Fatalf("bad line in %s: %q: %v", fixture.DNSFile, line, err)
		}
		calls = append(calls, r.Mappings)
	}
	return calls
}

// DNSMappings returns the mappings the daemon holds now: each
// SetDNSMappings call replaces the whole set, so that is the last call's
// (nil when there was none).
func (e *Env) DNSMappings() []fixture.DNSMapping {
	e.T.Helper()
	calls := e.DNSCalls()
	if len(calls) == 0 {
		return nil
	}
	return calls[len(calls)-1]
}

// CreatorEvents returns what the creator processes of slow intercepts
// (fixture Intercept.DelayMS) recorded, in order.
func (e *Env) CreatorEvents() []fixture.CreatorEvent {
	e.T.Helper()
	var events []fixture.CreatorEvent
	for _, line := range e.ReadLines(fixture.CreatorsFile) {
		var ev fixture.CreatorEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			e.T.Fatalf("bad line in %s: %q: %v", fixture.CreatorsFile, line, err)
		}
		events = append(events, ev)
	}
	return events
}

// AwaitCreator waits until the creators of slow intercepts have recorded
// more than n events, and returns event n (counted from 0).
func (e *Env) AwaitCreator(n int, what string) fixture.CreatorEvent {
	e.T.Helper()
	var ev fixture.CreatorEvent
	Eventually(e.T, Patience, what, func() bool {
		events := e.CreatorEvents()
		if len(events) > n {
			ev = events[n]
			return true
		}
		return false
	})
	return ev
}

// LockStandin takes the lock that serialises the stand-in's invocations
// (fixture.LockFile) and returns how to release it. While the test holds
// it, every telepresence command that reads or changes the state waits
// (after recording its call), so the test can hold a plugin at a known
// point. Release it before the test ends: the cleanup needs the stand-in.
func (e *Env) LockStandin() (unlock func()) {
	e.T.Helper()
	f, err := os.OpenFile(filepath.Join(e.StateDir, fixture.LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		e.T.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		e.T.Fatal(err)
	}
	return func() { _ = f.Close() }
}

// State returns the stand-in's state, read from its state file (so
// without recording a call).
func (e *Env) State() fixture.State {
	e.T.Helper()
	var st fixture.State
	data, err := os.ReadFile(filepath.Join(e.StateDir, fixture.StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st
	}
	if err == nil {
		err = json.Unmarshal(data, &st)
	}
	if err != nil {
		e.T.Fatalf("reading stand-in state: %v", err)
	}
	return st
}

// ActiveIntercepts returns the attachments the stand-in holds, on every
// daemon: the intercepts, replaces and wiretaps by name, and the ingests
// as "ingest WORKLOAD/CONTAINER" (fixture.Connection.Ingests), so that a
// check for none left sees every kind (docs/attachments.md).
func (e *Env) ActiveIntercepts() []string {
	e.T.Helper()
	var names []string
	for _, c := range e.State().Connections {
		for n := range c.Intercepts {
			names = append(names, n)
		}
		for key := range c.Ingests {
			names = append(names, ingestPrefix+key)
		}
	}
	slices.Sort(names)
	return names
}

// ingestPrefix marks an ingest among ActiveIntercepts, and in Leftovers.
const ingestPrefix = "ingest "

// ReadLines returns the complete, non-blank lines of a file that the
// stand-in appends to in its state directory (fixture.CallsFile, ...); none
// when it does not exist yet.
func (e *Env) ReadLines(file string) [][]byte {
	e.T.Helper()
	data, err := os.ReadFile(filepath.Join(e.StateDir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		e.T.Fatal(err)
	}
	// Tests read these files while the stand-in appends to them: a line
	// without its newline is still being written, and is left for the
	// next read.
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	return lines
}

// MustTelepresence runs the stand-in telepresence (Env.Telepresence) and
// fails t if it fails; it returns stdout.
func (e *Env) MustTelepresence(t *testing.T, args ...string) string {
	t.Helper()
	out, _, err := e.Telepresence(args...)
	if err != nil {
		t.Fatalf("telepresence %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// SendUntil runs the stand-in's standin-send until it answers (the
// handler may still be starting), failing t after Patience, and returns
// the body.
func (e *Env) SendUntil(t *testing.T, args ...string) string {
	t.Helper()
	var out string
	Eventually(t, Patience, "standin-send "+strings.Join(args, " ")+" answers", func() bool {
		var err error
		out, _, err = e.Telepresence(append([]string{"standin-send"}, args...)...)
		return err == nil
	})
	return out
}

// LastSend returns the deliveries of the last standin-send: the answer
// first, then the copies.
func (e *Env) LastSend(t *testing.T) []fixture.Delivery {
	t.Helper()
	var all []fixture.Delivery
	for _, line := range e.ReadLines(fixture.TrafficFile) {
		var d fixture.Delivery
		if err := json.Unmarshal(line, &d); err != nil {
			t.Fatalf("bad line in %s: %q: %v", fixture.TrafficFile, line, err)
		}
		all = append(all, d)
	}
	var last []fixture.Delivery
	for _, d := range all {
		if len(last) > 0 && last[0].Send != d.Send {
			last = nil
		}
		last = append(last, d)
	}
	return last
}
