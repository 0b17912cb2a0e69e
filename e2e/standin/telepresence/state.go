package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// lock takes an exclusive flock on the state directory's lock file and
// returns how to release it (the kernel also releases it at exit).
func lock(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, fixture.LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { _ = f.Close() }, nil
}

// openState locks the state directory, reads the state and forgets the
// daemons whose container is gone. The caller unlocks.
func openState(e *env) (*fixture.State, func(), error) {
	s, unlock, _, err := readState(e)
	return s, unlock, err
}

// readState is openState for a command that only reads (status): it also
// tells whether daemons were forgotten, so that it writes the state only
// then, and a run that only asks status changes no file.
func readState(e *env) (s *fixture.State, unlock func(), pruned bool, err error) {
	unlock, err = lock(e.dir)
	if err != nil {
		return nil, nil, false, err
	}
	s, err = loadState(e.dir)
	if err != nil {
		unlock()
		return nil, nil, false, err
	}
	return s, unlock, prune(e, s), nil
}

func loadState(dir string) (*fixture.State, error) {
	s := &fixture.State{}
	data, err := os.ReadFile(filepath.Join(dir, fixture.StateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, s); err != nil {
			return nil, fmt.Errorf("bad %s: %w", fixture.StateFile, err)
		}
	}
	if s.Connections == nil {
		s.Connections = map[string]*fixture.Connection{}
	}
	for _, c := range s.Connections {
		if c.Intercepts == nil {
			c.Intercepts = map[string]fixture.ActiveIntercept{}
		}
		if c.Ingests == nil {
			c.Ingests = map[string]fixture.ActiveIngest{}
		}
	}
	return s, nil
}

// saveState writes the state atomically (temp file + rename) so a reader
// never sees half a file.
func saveState(dir string, s *fixture.State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, fixture.StateFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, fixture.StateFile))
}

// readFixture reads fixture.json; a missing file means the zero fixture.
func readFixture(dir string) (fixture.Fixture, error) {
	var f fixture.Fixture
	data, err := os.ReadFile(filepath.Join(dir, fixture.FixtureFile))
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err == nil {
		err = json.Unmarshal(data, &f)
	}
	if err != nil {
		return f, fmt.Errorf("bad %s: %w", fixture.FixtureFile, err)
	}
	return f, nil
}

// appendJSONLine appends v as one line. A single O_APPEND write keeps lines
// whole even when several processes append at once.
func appendJSONLine(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(data, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// names returns the daemon names, sorted.
func names(s *fixture.State) []string {
	var out []string
	for n := range s.Connections {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// errNotConnected is what a command that needs a daemon says without one.
var errNotConnected = errors.New("not connected: run telepresence connect --docker first")

// matching returns the daemons that --use selects: all without it, else
// those whose name the expression matches, unanchored: --use is compiled
// with regexp.Compile (pkg/client/cli/daemon/request.go at v2.20.2, whose
// error is the command's) and matched with MatchString against each
// daemon's name (pkg/client/cli/daemon/info.go LoadMatchingInfo).
func matching(s *fixture.State, use string) ([]*fixture.Connection, error) {
	var re *regexp.Regexp
	if use != "" {
		var err error
		if re, err = regexp.Compile(use); err != nil {
			return nil, err
		}
	}
	var out []*fixture.Connection
	for _, n := range names(s) {
		if re == nil || re.MatchString(n) {
			out = append(out, s.Connections[n])
		}
	}
	return out, nil
}

// selectOne returns the one daemon a command acts on, with the errors of
// pkg/client/cli/daemon/info.go (InfoMatchError, MultipleDaemonsError).
func selectOne(s *fixture.State, use string) (*fixture.Connection, error) {
	conns, err := matching(s, use)
	switch {
	case err != nil:
		return nil, err
	case len(conns) == 1:
		return conns[0], nil
	case len(conns) == 0:
		return nil, errNotConnected
	case use != "":
		return nil, fmt.Errorf("the expression %q does not uniquely identify a running daemon", use)
	}
	return nil, multipleDaemons(conns)
}

// multipleDaemons is MultipleDaemonsError.Error of
// pkg/client/cli/daemon/info.go at v2.20.2, word for word: with three or
// more daemons its loop leaves the last name out (a, b, c: "one of a,  or b").
func multipleDaemons(conns []*fixture.Connection) error {
	var b strings.Builder
	b.WriteString("multiple daemons are running, please select ")
	i := 0
	if len(conns) > 2 {
		b.WriteString("one of ")
		for ; i+2 < len(conns); i++ {
			b.WriteString(conns[i].Name + ", ")
		}
	} else {
		b.WriteString(conns[i].Name)
		i++
	}
	b.WriteString(" or " + conns[i].Name + " using the --use <match> flag")
	return errors.New(b.String())
}
