package main

import (
	"fmt"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// podView is what an attachment reports of the container it attaches to:
// its environment and volumes, with what fixture.Intercepts adds.
type podView struct {
	container string
	env       map[string]string
	mounts    []string
	policies  map[string]string
	mountPort int
}

// viewOf is the container's view, for the attachment called name.
func viewOf(fx fixture.Fixture, name string, c fixture.Container) podView {
	v := podView{container: c.Name, env: map[string]string{}, policies: map[string]string{},
		mounts: c.Mounts, mountPort: c.MountPort}
	for k, val := range c.Environment {
		v.env[k] = val
	}
	for k, val := range c.Policies {
		v.policies[k] = val
	}
	over := fx.Intercepts[name]
	for k, val := range over.Environment {
		v.env[k] = val
	}
	for k, val := range over.Policies {
		v.policies[k] = val
	}
	if len(over.Mounts) > 0 {
		v.mounts = over.Mounts
	}
	if over.MountPort != 0 {
		v.mountPort = over.MountPort
	}
	if v.mountPort == 0 {
		v.mountPort = 34439
	}
	return v
}

// environment is the attachment's environment: the container's, then what
// the CLI sets (pkg/client/cli/intercept/info.go; an ingest has no
// TELEPRESENCE_INTERCEPT_ID, sample ingest-2.31.json).
func (v podView) environment(id, localDir string) map[string]any {
	env := map[string]any{"TELEPRESENCE_CONTAINER": v.container}
	if len(v.mounts) > 0 {
		env["TELEPRESENCE_MOUNTS"] = strings.Join(v.mounts, ":")
	}
	for k, val := range v.env {
		env[k] = val
	}
	if id != "" {
		env["TELEPRESENCE_INTERCEPT_ID"] = id
	}
	env["TELEPRESENCE_ROOT"] = localDir
	return env
}

// localDir is where the client mounts the pod's volumes ("" without).
func localDir(id string, mount bool) string {
	if !mount {
		return ""
	}
	return "/tmp/telfs-" + strings.SplitN(id, "-", 2)[0]
}

// fillMount sets the sample's mount object (pkg/client/cli/mount/info.go):
// mounts as a list before 2.22, as a path -> policy map from 2.22 (no key
// when the pod has no volume); read_only where the sample has it.
func (e *env) fillMount(m shape, v podView, dir string, readOnly bool) {
	m.set("local_dir", dir).set("remote_dir", "/tel_app_mounts/"+v.container).set("port", v.mountPort)
	switch {
	case len(v.mounts) == 0:
		delete(m, "mounts") // omitempty
	case !e.rel.mountPolicies():
		m.set("mounts", strList(v.mounts))
	default:
		policies := map[string]any{}
		for _, p := range v.mounts {
			pol := v.policies[p]
			if pol == "" {
				pol = "Remote"
			}
			policies[p] = e.rel.policy(pol)
		}
		m.set("mounts", policies)
	}
	if readOnly {
		m.set("read_only", true)
	}
}

// fillInfo sets what the intercept-shaped outputs (intercept, replace,
// wiretap) share: id, name, disposition, environment and mount (none with
// --mount=false).
func (e *env) fillInfo(s shape, name, id string, v podView, mount, readOnly bool) shape {
	s.set("id", id).set("name", name).set("disposition", "ACTIVE")
	dir := localDir(id, mount)
	s.set("environment", v.environment(id, dir))
	if !mount {
		delete(s, "mount") // omitempty
		return s
	}
	e.fillMount(s.obj("mount"), v, dir, readOnly)
	return s
}

// portList is replace's pod_ports: "LOCAL:ID" per port it took.
func portList(t target) []any {
	out := []any{}
	for _, pm := range t.ports {
		out = append(out, fmt.Sprintf("%d:%s", pm.local, pm.port.ID()))
	}
	return out
}
