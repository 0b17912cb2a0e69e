package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// target is where an attachment sits in the cluster: the workload, the
// container that provides its environment and volumes, and the container
// ports it takes, each with the local port it goes to.
type target struct {
	workload string
	w        fixture.Workload
	// container provides the environment and volumes.
	container fixture.Container
	// portContainer holds the ports (intercept and wiretap: the one the
	// service port targets; --container may name another).
	portContainer string
	svc           string              // intercept, wiretap: the service
	svcPort       fixture.ServicePort // intercept, wiretap: its port
	ports         []portMap
}

// portMap is a container port an attachment takes and the local port the
// traffic goes to.
type portMap struct {
	port  fixture.Port
	local int
}

// takes reports whether the attachment takes a container port.
func (t target) takes(container string, port int) (portMap, bool) {
	if t.w.Implicit() && len(t.ports) > 0 {
		return t.ports[0], true // an implicit workload has one port
	}
	for _, pm := range t.ports {
		if t.portContainer == container && pm.port.Port == port {
			return pm, true
		}
	}
	return portMap{}, false
}

// The refusals below have no known upstream wording; the texts are the
// stand-in's.

// resolveIntercept finds what an intercept or wiretap takes: --port
// LOCAL[:ID] names a service port (of --service, when given); without ID
// the service's only port (pkg/client/cli/intercept/command.go: "use
// <local port>:<svcPortIdentifier>" when a service has several).
func resolveIntercept(fx fixture.Fixture, ai fixture.ActiveIntercept) (target, error) {
	t := target{workload: ai.Workload, w: fx.Workload(ai.Workload)}
	localText, id, _ := strings.Cut(ai.Port, ":")
	local := 8080 // intercept.defaultPort (pkg/client/config.go)
	if localText != "" {
		local, _ = strconv.Atoi(localText) // validated already
	}
	if err := t.findServicePort(ai.Service, id, local); err != nil {
		return t, err
	}
	c, p, ok := t.w.Target(t.svcPort)
	if t.w.Implicit() {
		c, p, ok = t.w.Containers[0], fixture.ImplicitPort, true
	}
	if !ok {
		return t, fmt.Errorf("service port %s of %q targets no container port", t.svcPort.ID(), ai.Workload)
	}
	t.portContainer, t.container = c.Name, c
	t.ports = []portMap{{port: p, local: local}}
	if ai.Container != "" {
		if t.container, ok = containerNamed(t.w, ai.Container); !ok {
			return t, fmt.Errorf("workload %q has no container %q", ai.Workload, ai.Container)
		}
	}
	return t, nil
}

// findServicePort sets the service and service port that --service and
// the port identifier name. An implicit workload's one port is every port.
func (t *target) findServicePort(service, id string, local int) error {
	services := t.w.ServiceList(t.workload)
	if t.w.Implicit() {
		t.svc, t.svcPort = services[0].Name, services[0].Ports[0]
		if service != "" {
			t.svc = service
		}
		return nil
	}
	if service != "" {
		services = slices.DeleteFunc(services, func(s fixture.Service) bool { return s.Name != service })
		if len(services) == 0 {
			return fmt.Errorf("workload %q has no service %q", t.workload, service)
		}
	}
	var found []fixture.ServicePort
	var of []string
	for _, s := range services {
		for _, p := range s.Ports {
			if id == "" || p.Name != "" && p.Name == id || strconv.Itoa(p.Port) == id {
				found, of = append(found, p), append(of, s.Name)
			}
		}
	}
	switch {
	case len(found) == 0:
		return fmt.Errorf("workload %q has no service port %q", t.workload, id)
	case len(found) > 1 && id == "":
		return fmt.Errorf("workload %q has several service ports: use --port %d:<name or number>", t.workload, local)
	}
	t.svc, t.svcPort = of[0], found[0]
	return nil
}

// resolveReplace finds what a replace takes: every port of the container
// (--port "all", the default) or those --port LOCAL[:ID] names, ID a
// container port (CHANGELOG 2.22.0: "Remote ports specified using the
// --port flag are container ports").
func resolveReplace(fx fixture.Fixture, ai fixture.ActiveIntercept) (target, error) {
	t := target{workload: ai.Workload, w: fx.Workload(ai.Workload)}
	c, err := theContainer(t.w, ai.Workload, ai.Container)
	if err != nil {
		return t, err
	}
	t.container, t.portContainer = c, c.Name
	if len(ai.Ports) == 0 || slices.Contains(ai.Ports, "all") {
		for _, p := range c.Ports {
			t.ports = append(t.ports, portMap{port: p, local: p.Port})
		}
		return t, nil
	}
	for _, spec := range ai.Ports {
		localText, id, _ := strings.Cut(spec, ":")
		if id == "" {
			id = localText
		}
		local, _ := strconv.Atoi(localText) // validated already
		p, ok := c.Port(id)
		if t.w.Implicit() {
			p, ok = fixture.ImplicitPort, true
		}
		if !ok {
			return t, fmt.Errorf("container %q of %q has no port %q", c.Name, ai.Workload, id)
		}
		t.ports = append(t.ports, portMap{port: p, local: local})
	}
	return t, nil
}

// theContainer is the container --container names, else the workload's
// only one (release notes 2.27.1: a container name is required when the
// workload has several).
func theContainer(w fixture.Workload, workload, name string) (fixture.Container, error) {
	if name != "" {
		if c, ok := containerNamed(w, name); ok {
			return c, nil
		}
		return fixture.Container{}, fmt.Errorf("workload %q has no container %q", workload, name)
	}
	if len(w.Containers) != 1 {
		names := make([]string, len(w.Containers))
		for i, c := range w.Containers {
			names[i] = c.Name
		}
		return fixture.Container{}, fmt.Errorf("workload %q has several containers (%s): name one with --container",
			workload, strings.Join(names, ", "))
	}
	return w.Containers[0], nil
}

// containerNamed finds a container; an implicit workload has any container
// it is asked for.
func containerNamed(w fixture.Workload, name string) (fixture.Container, bool) {
	if c, ok := w.Container(name); ok {
		return c, true
	}
	if w.Implicit() {
		return fixture.Container{Name: name}, true
	}
	return fixture.Container{}, false
}
