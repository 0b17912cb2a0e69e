package lifecycle

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// Engine is the part of the Docker Engine API that the plugin uses besides
// Compose. Tests use a fake.
type Engine interface {
	// Daemon inspects the Telepresence daemon container.
	Daemon(ctx context.Context, name string) (DaemonInfo, error)
	// ConnectNetwork attaches a container to a network with aliases. It is a
	// no-op when the container is already attached.
	ConnectNetwork(ctx context.Context, network, container string, aliases []string) error
	// DisconnectNetwork detaches a container; a no-op when it is not attached.
	DisconnectNetwork(ctx context.Context, network, container string) error
	// ProjectContainers lists the containers of a compose project, stopped ones included.
	ProjectContainers(ctx context.Context, project string) ([]Container, error)
	// ProjectNetworks lists the networks of a compose project.
	ProjectNetworks(ctx context.Context, project string) ([]Network, error)
	// ProjectVolumes lists the volumes of a compose project.
	ProjectVolumes(ctx context.Context, project string) ([]Volume, error)
	// CreateVolume creates a (local) volume; it is a no-op if it exists.
	CreateVolume(ctx context.Context, name string, labels map[string]string) error
	// RemoveVolume removes a volume; a no-op when it does not exist.
	RemoveVolume(ctx context.Context, name string) error
	// EnsureVolumePlugin makes sure a managed volume plugin is installed
	// (from remote, if not empty) and enabled.
	EnsureVolumePlugin(ctx context.Context, name, remote string, progress io.Writer) error
	// Architecture is the engine's CPU architecture in Go terms (amd64, arm64).
	Architecture(ctx context.Context) (string, error)
	// HandlerEnv returns the environment a running handler container got
	// beyond its image's: what a previous `up` gave it.
	HandlerEnv(ctx context.Context, container string) (map[string]string, error)
	// PortUsers names the containers that publish a host port.
	PortUsers(ctx context.Context, port string) ([]string, error)
	// DaemonUsers names the compose projects whose containers share the
	// network namespace of a Telepresence daemon container.
	DaemonUsers(ctx context.Context, daemon string) ([]string, error)
}

// DaemonInfo is what the plugin needs to know of the daemon container.
type DaemonInfo struct {
	Name    string
	Running bool
	// Network is the daemon's network (the "telepresence" network) and IP
	// its address there.
	Network string
	IP      string
}

// Container is a container of the project.
type Container struct {
	Name    string
	Service string
	Labels  map[string]string
	Running bool
}

// Network is a network of the project and the containers attached to it.
type Network struct {
	Name       string
	Containers []string
}

// Volume is a volume of the project.
type Volume struct {
	Name    string
	Labels  map[string]string
	Options map[string]string
}

// DockerEngine implements Engine with the Docker API client.
type DockerEngine struct {
	Client client.APIClient
}

var _ Engine = DockerEngine{}

// Daemon inspects the daemon container.
func (e DockerEngine) Daemon(ctx context.Context, name string) (DaemonInfo, error) {
	res, err := e.Client.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return DaemonInfo{}, fmt.Errorf("inspecting the Telepresence daemon container %q: %w", name, err)
	}
	c := res.Container
	info := DaemonInfo{Name: name, Running: c.State != nil && c.State.Running}
	if c.NetworkSettings == nil || len(c.NetworkSettings.Networks) == 0 {
		return info, nil
	}
	nets := make([]string, 0, len(c.NetworkSettings.Networks))
	for n := range c.NetworkSettings.Networks {
		nets = append(nets, n)
	}
	sort.Strings(nets)
	info.Network = nets[0]
	for _, n := range nets {
		if n == "telepresence" {
			info.Network = n
		}
	}
	if ep := c.NetworkSettings.Networks[info.Network]; ep != nil && ep.IPAddress.IsValid() {
		info.IP = ep.IPAddress.String()
	}
	return info, nil
}

// ConnectNetwork attaches container to network with aliases.
func (e DockerEngine) ConnectNetwork(ctx context.Context, net, container string, aliases []string) error {
	_, err := e.Client.NetworkConnect(ctx, net, client.NetworkConnectOptions{
		Container:      container,
		EndpointConfig: &network.EndpointSettings{Aliases: aliases},
	})
	if err != nil && (errdefs.IsConflict(err) || errdefs.IsAlreadyExists(err) || strings.Contains(err.Error(), "already exists")) {
		return nil
	}
	return err
}

// DisconnectNetwork detaches container from network.
func (e DockerEngine) DisconnectNetwork(ctx context.Context, net, container string) error {
	_, err := e.Client.NetworkDisconnect(ctx, net, client.NetworkDisconnectOptions{Container: container, Force: true})
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

func projectFilter(project string) client.Filters {
	return make(client.Filters).Add("label", api.ProjectLabel+"="+project)
}

// ProjectContainers lists the project's containers.
func (e DockerEngine) ProjectContainers(ctx context.Context, project string) ([]Container, error) {
	res, err := e.Client.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: projectFilter(project)})
	if err != nil {
		return nil, err
	}
	out := make([]Container, 0, len(res.Items))
	for _, c := range res.Items {
		name := c.ID
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, Container{Name: name, Service: c.Labels[api.ServiceLabel], Labels: c.Labels, Running: c.State == "running"})
	}
	return out, nil
}

// ProjectNetworks lists the project's networks with their containers.
func (e DockerEngine) ProjectNetworks(ctx context.Context, project string) ([]Network, error) {
	res, err := e.Client.NetworkList(ctx, client.NetworkListOptions{Filters: projectFilter(project)})
	if err != nil {
		return nil, err
	}
	out := make([]Network, 0, len(res.Items))
	for _, n := range res.Items {
		ins, err := e.Client.NetworkInspect(ctx, n.ID, client.NetworkInspectOptions{})
		if err != nil {
			if errdefs.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		nw := Network{Name: n.Name}
		for _, ep := range ins.Network.Containers {
			nw.Containers = append(nw.Containers, ep.Name)
		}
		sort.Strings(nw.Containers)
		out = append(out, nw)
	}
	return out, nil
}

// ProjectVolumes lists the project's volumes.
func (e DockerEngine) ProjectVolumes(ctx context.Context, project string) ([]Volume, error) {
	res, err := e.Client.VolumeList(ctx, client.VolumeListOptions{Filters: projectFilter(project)})
	if err != nil {
		return nil, err
	}
	out := make([]Volume, 0, len(res.Items))
	for _, v := range res.Items {
		out = append(out, Volume{Name: v.Name, Labels: v.Labels, Options: v.Options})
	}
	return out, nil
}

// CreateVolume creates a local volume.
func (e DockerEngine) CreateVolume(ctx context.Context, name string, labels map[string]string) error {
	_, err := e.Client.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: labels})
	return err
}

// RemoveVolume removes a volume.
func (e DockerEngine) RemoveVolume(ctx context.Context, name string) error {
	_, err := e.Client.VolumeRemove(ctx, name, client.VolumeRemoveOptions{})
	if errdefs.IsNotFound(err) {
		return nil
	}
	return err
}

// EnsureVolumePlugin installs (with its privileges granted) and enables a
// managed plugin.
func (e DockerEngine) EnsureVolumePlugin(ctx context.Context, name, remote string, progress io.Writer) error {
	res, err := e.Client.PluginInspect(ctx, name, client.PluginInspectOptions{})
	switch {
	case err == nil && res.Plugin.Enabled:
		return nil
	case err == nil:
		_, err = e.Client.PluginEnable(ctx, name, client.PluginEnableOptions{Timeout: 30})
		return err
	case !errdefs.IsNotFound(err):
		return err
	case remote == "":
		return fmt.Errorf("volume plugin %q is not installed", name)
	}
	fmt.Fprintf(progress, "Installing the Docker volume plugin %s from %s\n", name, remote)
	rc, err := e.Client.PluginInstall(ctx, name, client.PluginInstallOptions{RemoteRef: remote, AcceptAllPermissions: true})
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := jsonmessage.DisplayStream(rc, progress); err != nil {
		return err
	}
	res, err = e.Client.PluginInspect(ctx, name, client.PluginInspectOptions{})
	if err != nil {
		return err
	}
	if !res.Plugin.Enabled {
		_, err = e.Client.PluginEnable(ctx, name, client.PluginEnableOptions{Timeout: 30})
	}
	return err
}

// Architecture returns the engine's architecture as GOARCH.
func (e DockerEngine) Architecture(ctx context.Context) (string, error) {
	res, err := e.Client.Info(ctx, client.InfoOptions{})
	if err != nil {
		return "", err
	}
	switch a := res.Info.Architecture; a {
	case "x86_64":
		return "amd64", nil
	case "aarch64":
		return "arm64", nil
	default:
		return a, nil
	}
}

// HandlerEnv returns the container's environment minus what its image sets.
func (e DockerEngine) HandlerEnv(ctx context.Context, container string) (map[string]string, error) {
	res, err := e.Client.ContainerInspect(ctx, container, client.ContainerInspectOptions{})
	if err != nil {
		return nil, err
	}
	imageEnv := map[string]bool{}
	if img, err := e.Client.ImageInspect(ctx, res.Container.Image); err == nil && img.Config != nil {
		for _, kv := range img.Config.Env {
			imageEnv[kv] = true
		}
	}
	env := map[string]string{}
	for _, kv := range res.Container.Config.Env {
		if imageEnv[kv] {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env, nil
}

// PortUsers lists the containers that publish the host port.
func (e DockerEngine) PortUsers(ctx context.Context, port string) ([]string, error) {
	res, err := e.Client.ContainerList(ctx, client.ContainerListOptions{Filters: make(client.Filters).Add("publish", port)})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, c := range res.Items {
		if len(c.Names) > 0 {
			names = append(names, strings.TrimPrefix(c.Names[0], "/"))
		}
	}
	return names, nil
}

// DaemonUsers lists the projects with handlers on the daemon.
func (e DockerEngine) DaemonUsers(ctx context.Context, daemon string) ([]string, error) {
	res, err := e.Client.ContainerList(ctx, client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", transform.LabelDaemon+"="+daemon),
	})
	if err != nil {
		return nil, err
	}
	var projects []string
	for _, c := range res.Items {
		if p := c.Labels[api.ProjectLabel]; p != "" && !slices.Contains(projects, p) {
			projects = append(projects, p)
		}
	}
	return projects, nil
}
