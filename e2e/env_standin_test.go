package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// Calls returns the argv of every stand-in telepresence invocation so far.
func (e *Env) Calls() [][]string {
	e.t.Helper()
	var calls [][]string
	for _, line := range e.readLines(fixture.CallsFile) {
		var c fixture.Call
		if err := json.Unmarshal(line, &c); err != nil {
			e.t.Fatalf("bad line in %s: %q: %v", fixture.CallsFile, line, err)
		}
		calls = append(calls, c.Args)
	}
	return calls
}

// DNSCalls returns the mappings of every SetDNSMappings call, in order.
func (e *Env) DNSCalls() [][]Mapping {
	e.t.Helper()
	var calls [][]Mapping
	for _, line := range e.readLines(fixture.DNSFile) {
		var r fixture.DNSRecord
		if err := json.Unmarshal(line, &r); err != nil {
			e.t.Fatalf("bad line in %s: %q: %v", fixture.DNSFile, line, err)
		}
		calls = append(calls, r.Mappings)
	}
	return calls
}

// DNSMappings returns the mappings the daemon holds now: each
// SetDNSMappings call replaces the whole set, so that is the last call's
// (nil when there was none).
func (e *Env) DNSMappings() []Mapping {
	e.t.Helper()
	calls := e.DNSCalls()
	if len(calls) == 0 {
		return nil
	}
	return calls[len(calls)-1]
}

// CreatorEvents returns what the creator processes of slow intercepts
// (fixture Intercept.DelayMS) recorded, in order.
func (e *Env) CreatorEvents() []fixture.CreatorEvent {
	e.t.Helper()
	var events []fixture.CreatorEvent
	for _, line := range e.readLines(fixture.CreatorsFile) {
		var ev fixture.CreatorEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			e.t.Fatalf("bad line in %s: %q: %v", fixture.CreatorsFile, line, err)
		}
		events = append(events, ev)
	}
	return events
}

// awaitCreator waits until the creators of slow intercepts have recorded
// more than n events, and returns event n (counted from 0).
func (e *Env) awaitCreator(n int, what string) fixture.CreatorEvent {
	e.t.Helper()
	var ev fixture.CreatorEvent
	eventually(e.t, patience, what, func() bool {
		events := e.CreatorEvents()
		if len(events) > n {
			ev = events[n]
			return true
		}
		return false
	})
	return ev
}

// lockStandin takes the lock that serialises the stand-in's invocations
// (fixture.LockFile) and returns how to release it. While the test holds
// it, every telepresence command that reads or changes the state waits
// (after recording its call), so the test can hold a plugin at a known
// point. Release it before the test ends: the cleanup needs the stand-in.
func (e *Env) lockStandin() (unlock func()) {
	e.t.Helper()
	f, err := os.OpenFile(filepath.Join(e.StateDir, fixture.LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		e.t.Fatal(err)
	}
	return func() { _ = f.Close() }
}

// State returns the stand-in's state, read from its state file (so
// without recording a call).
func (e *Env) State() fixture.State {
	e.t.Helper()
	var st fixture.State
	data, err := os.ReadFile(filepath.Join(e.StateDir, fixture.StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st
	}
	if err == nil {
		err = json.Unmarshal(data, &st)
	}
	if err != nil {
		e.t.Fatalf("reading stand-in state: %v", err)
	}
	return st
}

// ActiveIntercepts returns the attachments the stand-in holds, on every
// daemon: the intercepts, replaces and wiretaps by name, and the ingests
// as "ingest WORKLOAD/CONTAINER" (fixture.Connection.Ingests), so that a
// check for none left sees every kind (docs/attachments.md).
func (e *Env) ActiveIntercepts() []string {
	e.t.Helper()
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

func (e *Env) readLines(file string) [][]byte {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join(e.StateDir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
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
