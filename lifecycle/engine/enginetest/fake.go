// Package enginetest is an in-memory engine.Engine for tests: projects'
// containers, networks and volumes, a daemon container, and managed
// plugins, with every change logged as the docker command that would make
// it.
package enginetest

import (
	"context"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
)

// Fake is an in-memory engine. Tests set its fields before a run, and
// hold its lock (Lock, Unlock) to change them while a run goes on.
type Fake struct {
	mu sync.Mutex
	// Log receives a line for every change, as the docker command that
	// would make it ("docker volume create NAME").
	Log func(format string, args ...any)
	// Daemon is what InspectDaemon answers of a daemon container before
	// the fake adds what it keeps itself: its ID, whether it runs, and the
	// networks it joined. It is called with the lock held.
	Daemon func(name string) engine.DaemonInfo
	// DaemonID is the ID of every daemon container; DaemonDown stops
	// them all, Stopped those it names; DaemonErr fails InspectDaemon.
	DaemonID   string
	DaemonDown bool
	Stopped    map[string]bool
	DaemonErr  error
	// Attached are the networks a daemon joined, with its aliases.
	Attached map[string][]string
	// Containers, Networks and Volumes are the projects' own, by project.
	Containers map[string][]engine.Container
	Networks   map[string][]engine.Network
	Volumes    map[string][]engine.Volume
	// Others are networks of no project.
	Others     []engine.Network
	Plugins    []engine.Plugin
	InstallErr error
	// HandlerEnv is the environment of containers, by name.
	HandlerEnv map[string]map[string]string
	// PortHolders are the containers that publish a host port.
	PortHolders map[string][]string
	// Endpoints are the networks of the project containers, with their
	// aliases, by container name.
	Endpoints map[string]map[string]engine.Endpoint
	// Missing are the images the engine does not have, by reference; it
	// has every other.
	Missing map[string]bool
}

var _ engine.Engine = (*Fake)(nil)

// Lock takes the lock that guards the fake's state.
func (e *Fake) Lock() { e.mu.Lock() }

// Unlock releases it.
func (e *Fake) Unlock() { e.mu.Unlock() }

// New is an empty engine whose changes go to log.
func New(log func(format string, args ...any)) *Fake {
	return &Fake{Log: log, DaemonID: "0123456789abcdef", Containers: map[string][]engine.Container{}, Networks: map[string][]engine.Network{},
		Volumes: map[string][]engine.Volume{}, Attached: map[string][]string{}, Endpoints: map[string]map[string]engine.Endpoint{}}
}

func (e *Fake) log(format string, args ...any) {
	if e.Log != nil {
		e.Log(format, args...)
	}
}

// InspectDaemon answers what Daemon says, with the fake's ID, state and
// the networks the daemon joined.
func (e *Fake) InspectDaemon(_ context.Context, name string) (engine.DaemonInfo, error) {
	e.Lock()
	defer e.Unlock()
	if e.DaemonErr != nil {
		return engine.DaemonInfo{}, e.DaemonErr
	}
	info := engine.DaemonInfo{Networks: map[string]engine.Endpoint{}, Published: map[string][]string{}}
	if e.Daemon != nil {
		info = e.Daemon(name)
	}
	info.Container, info.ID, info.Running = name, e.DaemonID, !e.DaemonDown && !e.Stopped[name]
	for n, aliases := range e.Attached {
		info.Networks[n] = engine.Endpoint{IP: "172.21.0.2", Aliases: slices.Concat(aliases, []string{e.DaemonID[:12]})}
	}
	return info, nil
}

// SetDaemon changes what InspectDaemon answers, safely while a monitor
// polls it.
func (e *Fake) SetDaemon(down bool, err error) {
	e.Lock()
	defer e.Unlock()
	e.DaemonDown, e.DaemonErr = down, err
}

// StopDaemon stops one daemon container, by name.
func (e *Fake) StopDaemon(name string) {
	e.Lock()
	defer e.Unlock()
	e.Stopped = map[string]bool{name: true}
}

// ContainersWithLabel lists the containers whose label key has the value.
func (e *Fake) ContainersWithLabel(_ context.Context, key, value string) ([]engine.Container, error) {
	e.Lock()
	defer e.Unlock()
	var out []engine.Container
	for _, p := range slices.Sorted(maps.Keys(e.Containers)) {
		for _, c := range e.Containers[p] {
			if v, ok := c.Labels[key]; ok && v == value {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// PortUsers names the containers PortHolders says publish a port.
func (e *Fake) PortUsers(_ context.Context, port string) ([]string, error) {
	return e.PortHolders[port], nil
}

// ConnectNetwork attaches a project's container, or a daemon.
func (e *Fake) ConnectNetwork(_ context.Context, network, container string, aliases []string) error {
	e.log("docker network connect %s %s %v", network, container, aliases)
	e.Lock()
	defer e.Unlock()
	if eps, ok := e.Endpoints[container]; ok { // a project's container
		eps[network] = engine.Endpoint{Aliases: aliases}
		return nil
	}
	e.Attached[network] = aliases
	for p, nets := range e.Networks {
		for i, n := range nets {
			if n.Name == network {
				e.Networks[p][i].Containers = append(slices.Clone(n.Containers), container)
			}
		}
	}
	return nil
}

// DisconnectNetwork detaches a project's container, or a daemon.
func (e *Fake) DisconnectNetwork(_ context.Context, network, container string) error {
	e.log("docker network disconnect %s %s", network, container)
	e.Lock()
	defer e.Unlock()
	if eps, ok := e.Endpoints[container]; ok {
		delete(eps, network)
		return nil
	}
	delete(e.Attached, network)
	for p, nets := range e.Networks {
		for i, n := range nets {
			e.Networks[p][i].Containers = slices.DeleteFunc(n.Containers, func(c string) bool { return n.Name == network && c == container })
		}
	}
	return nil
}

// ContainerNetworks are a project's container's Endpoints.
func (e *Fake) ContainerNetworks(_ context.Context, container string) (map[string]engine.Endpoint, error) {
	e.Lock()
	defer e.Unlock()
	return maps.Clone(e.Endpoints[container]), nil
}

// ListNetworks lists the Others and every project's networks.
func (e *Fake) ListNetworks(context.Context) ([]engine.Network, error) {
	e.Lock()
	defer e.Unlock()
	out := slices.Clone(e.Others)
	for _, p := range slices.Sorted(maps.Keys(e.Networks)) {
		out = append(out, e.Networks[p]...)
	}
	return out, nil
}

// ProjectContainers lists a project's containers.
func (e *Fake) ProjectContainers(_ context.Context, p string) ([]engine.Container, error) {
	e.Lock()
	defer e.Unlock()
	return slices.Clone(e.Containers[p]), nil
}

// ProjectNetworks lists a project's networks.
func (e *Fake) ProjectNetworks(_ context.Context, p string) ([]engine.Network, error) {
	e.Lock()
	defer e.Unlock()
	return slices.Clone(e.Networks[p]), nil
}

// ProjectVolumes lists a project's volumes.
func (e *Fake) ProjectVolumes(_ context.Context, p string) ([]engine.Volume, error) {
	e.Lock()
	defer e.Unlock()
	return slices.Clone(e.Volumes[p]), nil
}

// VolumesWithLabel lists the volumes of every project with the label.
func (e *Fake) VolumesWithLabel(_ context.Context, key string) ([]engine.Volume, error) {
	e.Lock()
	defer e.Unlock()
	var out []engine.Volume
	for _, p := range slices.Sorted(maps.Keys(e.Volumes)) {
		for _, v := range e.Volumes[p] {
			if _, ok := v.Labels[key]; ok {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// CreateVolume adds a volume to the project its labels name.
func (e *Fake) CreateVolume(_ context.Context, name string, labels map[string]string) error {
	e.log("docker volume create %s", name)
	e.Lock()
	defer e.Unlock()
	p := labels[api.ProjectLabel]
	if !slices.ContainsFunc(e.Volumes[p], func(v engine.Volume) bool { return v.Name == name }) {
		e.Volumes[p] = append(e.Volumes[p], engine.Volume{Name: name, Labels: labels})
	}
	return nil
}

// RemoveVolume removes a volume of any project.
func (e *Fake) RemoveVolume(_ context.Context, name string) error {
	e.log("docker volume rm %s", name)
	e.Lock()
	defer e.Unlock()
	for p, vols := range e.Volumes {
		e.Volumes[p] = slices.DeleteFunc(vols, func(v engine.Volume) bool { return v.Name == name })
	}
	return nil
}

// ContainerEnv is a container's HandlerEnv.
func (e *Fake) ContainerEnv(_ context.Context, container string) (map[string]string, error) {
	return e.HandlerEnv[container], nil
}

// VolumePlugins are the Plugins.
func (e *Fake) VolumePlugins(context.Context) ([]engine.Plugin, error) {
	return e.Plugins, nil
}

// InstallVolumePlugin fails with InstallErr.
func (e *Fake) InstallVolumePlugin(_ context.Context, name, _ string, _ io.Writer) error {
	e.log("docker plugin install %s", name)
	return e.InstallErr
}

// Architecture is amd64.
func (e *Fake) Architecture(context.Context) (string, error) { return "amd64", nil }

// Labelled lists, sorted, the names of a project's volumes with a label.
func (e *Fake) Labelled(project, label string) []string {
	e.Lock()
	defer e.Unlock()
	var names []string
	for _, v := range e.Volumes[project] {
		if _, ok := v.Labels[label]; ok {
			names = append(names, v.Name)
		}
	}
	slices.Sort(names)
	return names
}

// StartAll marks a project's containers as started.
func (e *Fake) StartAll(project string) {
	e.Lock()
	defer e.Unlock()
	for i := range e.Containers[project] {
		e.Containers[project][i].Started = true
	}
}

// StopAll marks a project's containers as stopped.
func (e *Fake) StopAll(project string) {
	e.Lock()
	defer e.Unlock()
	for i := range e.Containers[project] {
		e.Containers[project][i].Running = false
	}
}

// HasImage tells whether the image is not Missing.
func (e *Fake) HasImage(_ context.Context, ref string) (bool, error) {
	e.Lock()
	defer e.Unlock()
	return !e.Missing[ref], nil
}
