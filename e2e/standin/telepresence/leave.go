package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
	"github.com/telepresenceio/docker-telepresence/e2e/standin/samples"
)

func noFlags(release) flagSpec { return flagSpec{} }

func quitFlags(release) flagSpec { return flagSpec{boolean: []string{"stop-daemons"}} }

// leave ends an intercept (leave, or detach from 2.30). The missing-name
// error changed in 2.23 (pkg/client/cli/cmd/leave.go; detach.go).
func leave(e *env, f *flags) (any, error) {
	if len(f.args) != 1 {
		return nil, fmt.Errorf("accepts 1 arg(s), received %d", len(f.args))
	}
	name := f.args[0]
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := selectOne(s, f.last("use"))
	if err != nil {
		return nil, err
	}
	if _, ok := c.Intercepts[name]; !ok {
		return nil, fmt.Errorf("%s", e.rel.notFoundMessage(name))
	}
	delete(c.Intercepts, name)
	return nil, saveState(e.dir, s)
}

// quit stops the daemons --use selects, or all of them, and removes what
// they made on the engine.
func quit(e *env, f *flags) (any, error) {
	if len(f.args) > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", f.args)
	}
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	defer unlock()
	conns, err := matching(s, f.last("use"))
	if err != nil {
		return nil, err
	}
	if use := f.last("use"); use != "" && len(conns) > 1 {
		_, err := selectOne(s, use)
		return nil, err
	}
	for _, c := range conns {
		teardown(e, c)
		delete(s.Connections, c.Name)
	}
	if !e.rel.teleroute() {
		removeNetnsNetwork()
	}
	if err := saveState(e.dir, s); err != nil {
		return nil, err
	}
	e.printf("Telepresence Daemons quitting...done\n")
	return nil, nil
}

// version prints version.txt with the emulated release; --format json
// (2.29+) prints the object the sample describes.
func version(e *env, f *flags) (any, error) {
	data, err := fs.ReadFile(samples.FS, sampleVersion)
	if err != nil {
		return nil, err
	}
	obj := map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		label, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(strings.TrimSpace(v), "v") {
			return nil, fmt.Errorf("unexpected line in sample %s: %q", sampleVersion, line)
		}
		e.printf("%s: v%s\n", label, e.rel.text)
		key := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(label), "OSS "), " ", "_"))
		obj[key] = "v" + e.rel.text
	}
	if f.has("format") {
		return obj, nil
	}
	return nil, nil
}

// findIntercept returns the daemon that holds an intercept.
func findIntercept(s *fixture.State, use, name string) (*fixture.Connection, error) {
	conns, err := matching(s, use)
	if err != nil {
		return nil, err
	}
	for _, c := range conns {
		if _, ok := c.Intercepts[name]; ok {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no intercept named %q", name)
}
