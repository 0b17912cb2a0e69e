package engine

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/containerd/errdefs"
	"github.com/docker/compose/v5/pkg/api"
	containertypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// Docker implements Engine with the Docker API client. It uses only
// what API 1.41 (Engine 20.10) offers.
type Docker struct {
	Client client.APIClient
}

var _ Engine = Docker{}

// InspectDaemon inspects the daemon container.
func (e Docker) InspectDaemon(ctx context.Context, container string) (DaemonInfo, error) {
	res, err := e.Client.ContainerInspect(ctx, container, client.ContainerInspectOptions{})
	if err != nil {
		return DaemonInfo{}, fmt.Errorf("inspecting the Telepresence daemon container %q: %w", container, err)
	}
	c := res.Container
	info := DaemonInfo{Container: container, ID: c.ID, Running: c.State != nil && c.State.Running,
		Networks: networksOf(c.NetworkSettings), Published: map[string][]string{}}
	if c.NetworkSettings == nil {
		return info, nil
	}
	for port, bindings := range c.NetworkSettings.Ports {
		for _, b := range bindings {
			info.Published[port.String()] = append(info.Published[port.String()], hostAddress(b))
		}
	}
	return info, nil
}

// networksOf are the networks of a container's settings, by name.
func networksOf(settings *containertypes.NetworkSettings) map[string]Endpoint {
	out := map[string]Endpoint{}
	if settings == nil {
		return out
	}
	for n, ep := range settings.Networks {
		if ep != nil {
			out[n] = endpointOf(ep)
		}
	}
	return out
}

// endpointOf is a container's attachment to a network: its IPv4 address,
// or on an IPv6-only network its IPv6 one, as Telepresence picks the
// daemon's (pkg/client/docker/daemon.go: GetContainerInfo, and tryLaunch
// for ContainerIP; IPv6 networks since 2.25).
func endpointOf(ep *network.EndpointSettings) Endpoint {
	e := Endpoint{Aliases: slices.Clone(ep.Aliases)}
	switch {
	case ep.IPAddress.IsValid():
		e.IP = ep.IPAddress.String()
	case ep.GlobalIPv6Address.IsValid():
		e.IP = ep.GlobalIPv6Address.String()
	}
	return e
}

// hostAddress is where a published port answers on this host: a binding to
// all addresses is reached on loopback.
func hostAddress(b network.PortBinding) string {
	ip := "127.0.0.1"
	switch {
	case !b.HostIP.IsValid() || b.HostIP.IsUnspecified() && b.HostIP.Is4():
	case b.HostIP.IsUnspecified():
		ip = "::1"
	default:
		ip = b.HostIP.String()
	}
	return net.JoinHostPort(ip, b.HostPort)
}

// ContainersWithLabel lists the containers whose label key has the value.
func (e Docker) ContainersWithLabel(ctx context.Context, key, value string) ([]Container, error) {
	return e.containers(ctx, client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", key+"="+value),
	})
}

// PortUsers lists the containers that publish the host port.
func (e Docker) PortUsers(ctx context.Context, port string) ([]string, error) {
	list, err := e.containers(ctx, client.ContainerListOptions{Filters: make(client.Filters).Add("publish", port)})
	names := make([]string, len(list))
	for i, c := range list {
		names[i] = c.Name
	}
	return names, err
}

func (e Docker) containers(ctx context.Context, opts client.ContainerListOptions) ([]Container, error) {
	res, err := e.Client.ContainerList(ctx, opts)
	if err != nil {
		return nil, err
	}
	out := make([]Container, 0, len(res.Items))
	for _, c := range res.Items {
		name := c.ID
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, Container{Name: name, Project: c.Labels[api.ProjectLabel], Service: c.Labels[api.ServiceLabel],
			Labels: c.Labels, Running: c.State == "running", Started: c.State != "" && c.State != "created"})
	}
	return out, nil
}

// ConnectNetwork attaches container to network with aliases.
func (e Docker) ConnectNetwork(ctx context.Context, name, container string, aliases []string) error {
	_, err := e.Client.NetworkConnect(ctx, name, client.NetworkConnectOptions{
		Container:      container,
		EndpointConfig: &network.EndpointSettings{Aliases: aliases},
	})
	return err
}

// DisconnectNetwork detaches container from network.
func (e Docker) DisconnectNetwork(ctx context.Context, name, container string) error {
	_, err := e.Client.NetworkDisconnect(ctx, name, client.NetworkDisconnectOptions{Container: container, Force: true})
	if err == nil || errdefs.IsNotFound(err) {
		return nil
	}
	// Gone or going: nothing is left to detach.
	for _, gone := range []string{"is not connected", "marked for removal", "No such container"} {
		if strings.Contains(err.Error(), gone) {
			return nil
		}
	}
	return err
}

// ContainerNetworks are the networks a container is attached to.
func (e Docker) ContainerNetworks(ctx context.Context, container string) (map[string]Endpoint, error) {
	res, err := e.Client.ContainerInspect(ctx, container, client.ContainerInspectOptions{})
	if err != nil {
		return nil, err
	}
	return networksOf(res.Container.NetworkSettings), nil
}

// ListNetworks lists every network with its subnets and labels.
func (e Docker) ListNetworks(ctx context.Context) ([]Network, error) {
	res, err := e.Client.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]Network, 0, len(res.Items))
	for _, n := range res.Items {
		out = append(out, Network{Name: n.Name, Labels: n.Labels, Subnets: subnets(n.IPAM)})
	}
	return out, nil
}

func subnets(ipam network.IPAM) []string {
	var out []string
	for _, c := range ipam.Config {
		if c.Subnet.IsValid() {
			out = append(out, c.Subnet.String())
		}
	}
	return out
}

func projectFilter(project string) client.Filters {
	return make(client.Filters).Add("label", api.ProjectLabel+"="+project)
}

// ProjectContainers lists the project's containers.
func (e Docker) ProjectContainers(ctx context.Context, project string) ([]Container, error) {
	return e.containers(ctx, client.ContainerListOptions{All: true, Filters: projectFilter(project)})
}

// ProjectNetworks lists the project's networks with their containers (the
// list does not name them: each network is inspected, all at once).
func (e Docker) ProjectNetworks(ctx context.Context, project string) ([]Network, error) {
	res, err := e.Client.NetworkList(ctx, client.NetworkListOptions{Filters: projectFilter(project)})
	if err != nil {
		return nil, err
	}
	found := make([]*Network, len(res.Items))
	errs := make([]error, len(res.Items))
	var wg sync.WaitGroup
	for i, n := range res.Items {
		wg.Go(func() {
			ins, err := e.Client.NetworkInspect(ctx, n.ID, client.NetworkInspectOptions{})
			if err != nil {
				if !errdefs.IsNotFound(err) { // one removed meanwhile is gone
					errs[i] = err
				}
				return
			}
			nw := Network{Name: n.Name, Labels: n.Labels, Subnets: subnets(n.IPAM)}
			for _, ep := range ins.Network.Containers {
				nw.Containers = append(nw.Containers, ep.Name)
			}
			slices.Sort(nw.Containers)
			found[i] = &nw
		})
	}
	wg.Wait()
	out := make([]Network, 0, len(found))
	for i, nw := range found {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if nw != nil {
			out = append(out, *nw)
		}
	}
	return out, nil
}
