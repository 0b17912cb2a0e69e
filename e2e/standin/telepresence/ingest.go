package main

import (
	"errors"
	"fmt"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// ingest makes an ingest (2.21+): the environment and volumes of one
// container, read-only, and no traffic. It prints ingest.Info
// (pkg/client/cli/ingest/info.go; sample ingest-2.31.json, which the
// stand-in prints for every release that has ingest: no older one is
// sampled). Ingesting what this daemon ingests already prints it again:
// upstream's wording for a second ingest is not known, and any number of
// clients may ingest one container.
func ingest(e *env, f *flags) (any, error) {
	if len(f.args) != 1 {
		return nil, fmt.Errorf("accepts 1 arg(s), received %d", len(f.args))
	}
	workload := f.args[0]
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := selectOne(s, f.last("use"))
	if err != nil {
		return nil, err
	}
	if fail := e.fx.Intercepts[workload].Fail; fail != "" {
		return nil, errors.New(fail)
	}
	w := e.fx.Workload(workload)
	ctr, err := theContainer(w, workload, f.last("container"))
	if err != nil {
		return nil, err
	}
	key := fixture.IngestKey(workload, ctr.Name)
	ig, ok := c.Ingests[key]
	if !ok {
		ig = fixture.ActiveIngest{Workload: workload, Container: ctr.Name, Namespace: f.last("namespace"),
			ToPod: splitList(f.values["to-pod"]), Mount: f.last("mount")}
		ig.LocalDir = localDir(uuid(), mountEnabled(ig.Mount))
		c.Ingests[key] = ig
		if err := saveState(e.dir, s); err != nil {
			return nil, err
		}
	}
	e.printf("Using %s %s\n   Container         : %s\n   State             : ACTIVE\n", w.KindName(), workload, ctr.Name)
	return e.ingestInfo(c, ig, w, viewOf(e.fx, workload, ctr)), nil
}

// ingestInfo fills ingest-2.31.json: mounts always read-only.
func (e *env) ingestInfo(c *fixture.Connection, ig fixture.ActiveIngest, w fixture.Workload, v podView) shape {
	ns := ig.Namespace
	if ns == "" {
		ns = c.Namespace
	}
	s := loadSample(sampleIngest).set("workload_name", ig.Workload).set("workload_kind", w.KindName()).
		set("container", ig.Container).set("namespace", ns).set("environment", v.environment("", ig.LocalDir))
	if !mountEnabled(ig.Mount) {
		delete(s, "mount") // omitempty
		return s
	}
	e.fillMount(s.obj("mount"), v, ig.LocalDir, true)
	return s
}

// findIngest finds an ingest by workload and container; without a
// container, the workload's only ingest (release notes 2.27.1: ingests of
// single-container workloads are found without one).
func findIngest(c *fixture.Connection, workload, container, namespace string) (string, bool) {
	match := func(ig fixture.ActiveIngest) bool {
		ns := ig.Namespace
		if ns == "" {
			ns = c.Namespace
		}
		return ig.Workload == workload && (container == "" || ig.Container == container) &&
			(namespace == "" || ns == namespace)
	}
	found := ""
	for key, ig := range c.Ingests {
		if match(ig) {
			if found != "" {
				return "", false // ambiguous without --container
			}
			found = key
		}
	}
	return found, found != ""
}
