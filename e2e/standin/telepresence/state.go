package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// state is what the stand-in remembers between invocations (state.json).
type state struct {
	Connected        bool                          `json:"connected"`
	Name             string                        `json:"name,omitempty"`
	Context          string                        `json:"context,omitempty"`
	Namespace        string                        `json:"namespace,omitempty"`
	ManagerNamespace string                        `json:"manager_namespace,omitempty"`
	MappedNamespaces []string                      `json:"mapped_namespaces,omitempty"`
	Exposed          []string                      `json:"exposed,omitempty"`
	GRPCPort         int                           `json:"grpc_port,omitempty"`
	Intercepts       map[string]activeInterception `json:"intercepts"`
}

// activeInterception records how an intercept was created, for debugging.
type activeInterception struct {
	ID       string   `json:"id"`
	Workload string   `json:"workload"`
	Port     string   `json:"port,omitempty"`
	Service  string   `json:"service,omitempty"`
	Headers  []string `json:"headers,omitempty"`
	Mount    string   `json:"mount,omitempty"`
}

// lock takes an exclusive flock on the state directory's lock file. The
// kernel releases it when the process exits, so there is no unlock.
func lock(dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, fixture.LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
}

func loadState(dir string) (*state, error) {
	s := &state{}
	data, err := os.ReadFile(filepath.Join(dir, fixture.StateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, s); err != nil {
			return nil, err
		}
	}
	if s.Intercepts == nil {
		s.Intercepts = map[string]activeInterception{}
	}
	return s, nil
}

// save writes the state atomically (temp file + rename) so a reader never
// sees half a file.
func (s *state) save(dir string) error {
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
func readFixture(dir string, f *fixture.Fixture) error {
	data, err := os.ReadFile(filepath.Join(dir, fixture.FixtureFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, f); err != nil {
		return errors.New("bad " + fixture.FixtureFile + ": " + err.Error())
	}
	return nil
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
