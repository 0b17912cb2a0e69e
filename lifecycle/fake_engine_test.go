package lifecycle

import (
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/docker/compose/v5/pkg/api"
)

// fakeEngine keeps containers, networks and volumes of projects, and the
// daemon container of fakeTP, in memory.
type fakeEngine struct {
	j          *steps
	tp         *fakeTP
	mu         sync.Mutex
	containers map[string][]Container
	networks   map[string][]Network
	volumes    map[string][]Volume
	// daemonID is the daemon container's ID; daemonDown stops it, stopped
	// stops only the daemon containers it names.
	daemonID   string
	daemonDown bool
	stopped    map[string]bool
	daemonErr  error
	// attached are the networks the daemon joined, with its aliases.
	attached   map[string][]string
	others     []Network
	plugins    []Plugin
	installErr error
	handlerEnv map[string]map[string]string
	portUsers  map[string][]string
	// published replaces the ports the daemon tp-test publishes.
	published map[string][]string
	// endpoints are the networks of the project containers, with their
	// aliases, by container name.
	endpoints map[string]map[string]Endpoint
}

func newFakeEngine(j *steps, tp *fakeTP) *fakeEngine {
	return &fakeEngine{j: j, tp: tp, daemonID: "0123456789abcdef", containers: map[string][]Container{}, networks: map[string][]Network{},
		volumes: map[string][]Volume{}, attached: map[string][]string{}, installErr: errPullDenied, endpoints: map[string]map[string]Endpoint{}}
}

// InspectDaemon answers as Docker does for fakeTP's daemon: on the network
// "telepresence" with its port published 1:1 (netns), or on the bridge and
// the Teleroute network with 4038 published (Teleroute).
func (e *fakeEngine) InspectDaemon(_ context.Context, name string) (DaemonInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.daemonErr != nil {
		return DaemonInfo{}, e.daemonErr
	}
	info := DaemonInfo{Container: name, ID: e.daemonID, Running: !e.daemonDown && !e.stopped[name], Networks: map[string]Endpoint{}, Published: map[string][]string{}}
	if e.tp.teleroute() {
		info.Networks["bridge"] = Endpoint{IP: "172.17.0.2"}
		if !e.tp.noSubnets {
			info.Networks["test"] = Endpoint{IP: "172.30.0.2"}
		}
		info.Published["4038/tcp"] = []string{"127.0.0.1:49321"}
		if name != "tp-test" {
			info.Published["4038/tcp"] = []string{"127.0.0.1:49322"} // fakeTP's other daemon
			info.Networks[strings.TrimPrefix(name, "tp-")] = Endpoint{IP: "172.31.0.2"}
		}
	} else {
		info.Networks["telepresence"] = Endpoint{IP: "172.20.0.2"}
		info.Published["9999/tcp"] = []string{"127.0.0.1:9999"}
		info.Published["8088/tcp"] = []string{"127.0.0.1:8088"}
	}
	if e.published != nil && name == "tp-test" {
		info.Published = e.published
	}
	for n, aliases := range e.attached {
		info.Networks[n] = Endpoint{IP: "172.21.0.2", Aliases: slices.Concat(aliases, []string{e.daemonID[:12]})}
	}
	return info, nil
}

// setDaemon changes what InspectDaemon answers, safely while a monitor polls it.
func (e *fakeEngine) setDaemon(down bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.daemonDown, e.daemonErr = down, err
}

// stopDaemon stops one daemon container, by name.
func (e *fakeEngine) stopDaemon(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopped = map[string]bool{name: true}
}

func (e *fakeEngine) ContainersWithLabel(_ context.Context, key, value string) ([]Container, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Container
	for _, p := range slices.Sorted(maps.Keys(e.containers)) {
		for _, c := range e.containers[p] {
			if v, ok := c.Labels[key]; ok && v == value {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func (e *fakeEngine) PortUsers(_ context.Context, port string) ([]string, error) {
	return e.portUsers[port], nil
}

func (e *fakeEngine) ConnectNetwork(_ context.Context, network, container string, aliases []string) error {
	e.j.add("docker network connect %s %s %v", network, container, aliases)
	e.mu.Lock()
	defer e.mu.Unlock()
	if eps, ok := e.endpoints[container]; ok { // a project's container
		eps[network] = Endpoint{Aliases: aliases}
		return nil
	}
	e.attached[network] = aliases
	for p, nets := range e.networks {
		for i, n := range nets {
			if n.Name == network {
				e.networks[p][i].Containers = append(slices.Clone(n.Containers), container)
			}
		}
	}
	return nil
}

func (e *fakeEngine) DisconnectNetwork(_ context.Context, network, container string) error {
	e.j.add("docker network disconnect %s %s", network, container)
	e.mu.Lock()
	defer e.mu.Unlock()
	if eps, ok := e.endpoints[container]; ok {
		delete(eps, network)
		return nil
	}
	delete(e.attached, network)
	for p, nets := range e.networks {
		for i, n := range nets {
			e.networks[p][i].Containers = slices.DeleteFunc(n.Containers, func(c string) bool { return n.Name == network && c == container })
		}
	}
	return nil
}

func (e *fakeEngine) ContainerNetworks(_ context.Context, container string) (map[string]Endpoint, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.endpoints[container]), nil
}

func (e *fakeEngine) ListNetworks(context.Context) ([]Network, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.Clone(e.others)
	for _, p := range slices.Sorted(maps.Keys(e.networks)) {
		out = append(out, e.networks[p]...)
	}
	return out, nil
}

func (e *fakeEngine) ProjectContainers(_ context.Context, p string) ([]Container, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.containers[p]), nil
}

func (e *fakeEngine) ProjectNetworks(_ context.Context, p string) ([]Network, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.networks[p]), nil
}

func (e *fakeEngine) ProjectVolumes(_ context.Context, p string) ([]Volume, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.volumes[p]), nil
}

func (e *fakeEngine) VolumesWithLabel(_ context.Context, key string) ([]Volume, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Volume
	for _, p := range slices.Sorted(maps.Keys(e.volumes)) {
		for _, v := range e.volumes[p] {
			if _, ok := v.Labels[key]; ok {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

func (e *fakeEngine) CreateVolume(_ context.Context, name string, labels map[string]string) error {
	e.j.add("docker volume create %s", name)
	e.mu.Lock()
	defer e.mu.Unlock()
	p := labels[api.ProjectLabel]
	if !slices.ContainsFunc(e.volumes[p], func(v Volume) bool { return v.Name == name }) {
		e.volumes[p] = append(e.volumes[p], Volume{Name: name, Labels: labels})
	}
	return nil
}

func (e *fakeEngine) RemoveVolume(_ context.Context, name string) error {
	e.j.add("docker volume rm %s", name)
	e.mu.Lock()
	defer e.mu.Unlock()
	for p, vols := range e.volumes {
		e.volumes[p] = slices.DeleteFunc(vols, func(v Volume) bool { return v.Name == name })
	}
	return nil
}

func (e *fakeEngine) ContainerEnv(_ context.Context, container string) (map[string]string, error) {
	return e.handlerEnv[container], nil
}

func (e *fakeEngine) VolumePlugins(context.Context) ([]Plugin, error) {
	return e.plugins, nil
}

func (e *fakeEngine) InstallVolumePlugin(_ context.Context, name, _ string, _ io.Writer) error {
	e.j.add("docker plugin install %s", name)
	return e.installErr
}

func (e *fakeEngine) Architecture(context.Context) (string, error) { return "amd64", nil }
