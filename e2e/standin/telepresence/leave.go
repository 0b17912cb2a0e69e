package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/telepresenceio/docker-telepresence/internal/samples"
)

func noFlags(release) flagSpec { return flagSpec{} }

func quitFlags(release) flagSpec { return flagSpec{boolean: []string{"stop-daemons"}} }

// leave ends an attachment (leave, or detach from 2.30), looking it up as
// the emulated release does:
//   - 2.20: an intercept of that name (pkg/client/cli/cmd/leave.go at v2.20.2);
//   - 2.21, 2.22: an intercept of that name, unless -c is given, else an
//     ingest of that workload (and container) (leave.go removeIngestOrIntercept);
//   - 2.23 and newer: an intercept, replace or wiretap named NAME, or
//     NAME/CONTAINER with -c, else an ingest of that workload and container
//     (and namespace, 2.29+) (leave.go disengage, detach.go).
func leave(e *env, f *flags) (any, error) {
	if len(f.args) != 1 {
		return nil, fmt.Errorf("accepts 1 arg(s), received %d", len(f.args))
	}
	name, container := f.args[0], f.last("container")
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := selectOne(s, f.last("use"))
	if err != nil {
		return nil, err
	}
	icName := name
	if container != "" && e.rel.teleroute() {
		icName += "/" + container
	}
	_, isIntercept := c.Intercepts[icName]
	isIntercept = isIntercept && (container == "" || e.rel.teleroute())
	switch key, isIngest := findIngest(c, name, container, f.last("namespace")); {
	case isIntercept:
		delete(c.Intercepts, icName)
	case isIngest && e.rel.ingest():
		delete(c.Ingests, key)
	default:
		return nil, errors.New(e.rel.notFoundMessage(name, container))
	}
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
