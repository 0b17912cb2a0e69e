package main

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// interceptInfo is the `intercept --detailed-output --output json` shape.
type interceptInfo struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Disposition  string            `json:"disposition"`
	Message      string            `json:"message"`
	WorkloadKind string            `json:"workload_kind"`
	Environment  map[string]string `json:"environment"`
	Mount        *mountInfo        `json:"mount,omitempty"`
}

type mountInfo struct {
	PodIP  string `json:"pod_ip"`
	Port   int    `json:"port"`
	Mounts any    `json:"mounts"` // []string (older) or map[string]string (newer)
}

func intercept(e *env, args []string) error {
	f, err := parseFlags(args,
		[]string{"port", "service", "http-header", "mount", "workload", "output"},
		[]string{"detailed-output"})
	if err != nil {
		return err
	}
	if len(f.args) != 1 {
		return fmt.Errorf("expected exactly one intercept name, got %q", f.args)
	}
	name := f.args[0]
	if p := f.last("port"); p != "" && !validPort(p) {
		return fmt.Errorf("invalid --port %q: want LOCAL[:SVCPORT]", p)
	}
	fx := e.fixture.Intercepts[name]
	// Sleep before taking the lock so a slow intercept does not block others.
	if fx.DelayMS > 0 {
		time.Sleep(time.Duration(fx.DelayMS) * time.Millisecond)
	}
	if err := lock(e.dir); err != nil {
		return err
	}
	s, err := connectedState(e)
	if err != nil {
		return err
	}
	if s == nil {
		return fmt.Errorf("not connected")
	}
	if fx.Fail != "" {
		return failJSON(fx.Fail)
	}
	if _, ok := s.Intercepts[name]; ok {
		return failJSON("intercept " + name + " already exists")
	}

	mount := f.last("mount")
	info := interceptInfo{
		ID: uuid() + ":" + name, Name: name, Disposition: "ACTIVE",
		WorkloadKind: "Deployment", Environment: environment(name, fx),
	}
	if mountEnabled(mount) {
		info.Mount = &mountInfo{PodIP: "127.0.0.1", Port: fx.MountPort, Mounts: mounts(fx)}
		if info.Mount.Port == 0 {
			info.Mount.Port = 34439
		}
	}
	workload := f.last("workload")
	if workload == "" {
		workload = name
	}
	s.Intercepts[name] = activeInterception{
		ID: info.ID, Workload: workload, Port: f.last("port"), Service: f.last("service"),
		Headers: f.values["http-header"], Mount: mount,
	}
	if err := s.save(e.dir); err != nil {
		return err
	}
	if f.last("output") != "json" {
		fmt.Printf("Using Deployment %s\n   Intercept name: %s\n   State: ACTIVE\n", workload, name)
		return nil
	}
	return printJSON(info)
}

// environment is the fixture's pod environment plus the variables that
// telepresence always sets.
func environment(name string, fx fixture.Intercept) map[string]string {
	env := map[string]string{}
	for k, v := range fx.Environment {
		env[k] = v
	}
	if env["TELEPRESENCE_CONTAINER"] == "" {
		env["TELEPRESENCE_CONTAINER"] = name
	}
	if _, ok := env["TELEPRESENCE_MOUNTS"]; !ok && len(fx.Mounts) > 0 {
		env["TELEPRESENCE_MOUNTS"] = strings.Join(fx.Mounts, ":")
	}
	return env
}

func mounts(fx fixture.Intercept) any {
	if fx.MountsAsMap {
		m := map[string]string{}
		for _, p := range fx.Mounts {
			m[p] = "ReadOnly"
		}
		return m
	}
	if fx.Mounts == nil {
		return []string{}
	}
	return fx.Mounts
}

func leave(e *env, args []string) error {
	f, err := parseFlags(args, []string{"output"}, nil)
	if err != nil {
		return err
	}
	if len(f.args) != 1 {
		return fmt.Errorf("expected exactly one intercept name, got %q", f.args)
	}
	if err := lock(e.dir); err != nil {
		return err
	}
	s, err := loadState(e.dir)
	if err != nil {
		return err
	}
	name := f.args[0]
	if _, ok := s.Intercepts[name]; !ok {
		return fmt.Errorf("intercept %s not found", name)
	}
	delete(s.Intercepts, name)
	return s.save(e.dir)
}

func list(e *env, args []string) error {
	if _, err := parseFlags(args, []string{"output"}, []string{"intercepts"}); err != nil {
		return err
	}
	if err := lock(e.dir); err != nil {
		return err
	}
	s, err := loadState(e.dir)
	if err != nil {
		return err
	}
	type entry struct {
		Name        string `json:"name"`
		Disposition string `json:"disposition"`
	}
	out := []entry{}
	for name := range s.Intercepts {
		out = append(out, entry{Name: name, Disposition: "ACTIVE"})
	}
	return printJSON(out)
}

// failJSON reports an intercept failure the way telepresence does with
// --output json: {"err": msg} on stdout and exit status 1.
func failJSON(msg string) error {
	if err := printJSON(map[string]string{"err": msg}); err != nil {
		return err
	}
	return exitSilently
}

// mountEnabled interprets --mount like telepresence: a boolean, or a mount
// point path (which means enabled). ":ro" may be appended.
func mountEnabled(v string) bool {
	b, err := strconv.ParseBool(strings.TrimSuffix(v, ":ro"))
	return v == "" || err != nil || b
}

// validPort accepts LOCAL or LOCAL:SVCPORT where SVCPORT is a number or name.
func validPort(p string) bool {
	local, svc, hasSvc := strings.Cut(p, ":")
	if local == "" || strings.Trim(local, "0123456789") != "" {
		return false
	}
	return !hasSvc || svc != ""
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
