package engine

import (
	"context"
	"io"
)

// Engine is the part of the Docker Engine API the plugin uses besides
// Compose, in the roles the steps of a run need. Tests use a fake.
type Engine interface {
	Daemons
	Networks
	Resources
	Plugins
	Images
}

// Images tells which images the engine has.
type Images interface {
	// HasImage tells whether the engine has an image by that reference.
	HasImage(ctx context.Context, ref string) (bool, error)
}

// Daemons inspects a Telepresence daemon container, and finds containers
// across projects.
type Daemons interface {
	// InspectDaemon inspects the daemon container.
	InspectDaemon(ctx context.Context, container string) (DaemonInfo, error)
	// ContainersWithLabel lists the containers, of any project and in any
	// state, whose label key has the value.
	ContainersWithLabel(ctx context.Context, key, value string) ([]Container, error)
	// PortUsers names the containers that publish a host port.
	PortUsers(ctx context.Context, port string) ([]string, error)
}

// Networks attaches and detaches containers, and lists the networks.
type Networks interface {
	// ConnectNetwork attaches a container to a network with aliases.
	ConnectNetwork(ctx context.Context, network, container string, aliases []string) error
	// DisconnectNetwork detaches a container; a no-op when it is not attached.
	DisconnectNetwork(ctx context.Context, network, container string) error
	// ListNetworks lists every network with its subnets and labels (not
	// its containers).
	ListNetworks(ctx context.Context) ([]Network, error)
	// ContainerNetworks are the networks a container is attached to, with
	// its address and aliases on each.
	ContainerNetworks(ctx context.Context, container string) (map[string]Endpoint, error)
}

// Resources are what a compose project owns, found by its label, and the
// volumes that record its attachments.
type Resources interface {
	// ProjectContainers lists the containers of a project, stopped ones included.
	ProjectContainers(ctx context.Context, project string) ([]Container, error)
	// ProjectNetworks lists the networks of a project with their containers.
	ProjectNetworks(ctx context.Context, project string) ([]Network, error)
	// ProjectVolumes lists the volumes of a project.
	ProjectVolumes(ctx context.Context, project string) ([]Volume, error)
	// CreateVolume creates a local volume; a no-op if it exists.
	CreateVolume(ctx context.Context, name string, labels map[string]string) error
	// RemoveVolume removes a volume; a no-op when it does not exist.
	RemoveVolume(ctx context.Context, name string) error
	// VolumesWithLabel lists, across projects, the volumes that carry a
	// label (whatever its value).
	VolumesWithLabel(ctx context.Context, key string) ([]Volume, error)
	// ContainerEnv returns the environment a container got beyond its
	// image's: for a handler, what a previous `up` gave it.
	ContainerEnv(ctx context.Context, container string) (map[string]string, error)
}

// Plugins finds and installs managed volume plugins.
type Plugins interface {
	// VolumePlugins lists the installed managed volume plugins.
	VolumePlugins(ctx context.Context) ([]Plugin, error)
	// InstallVolumePlugin installs a managed plugin from remote, with its
	// privileges granted, and enables it; an installed one is only enabled.
	InstallVolumePlugin(ctx context.Context, name, remote string, progress io.Writer) error
	// Architecture is the engine's CPU architecture in Go terms (amd64, arm64).
	Architecture(ctx context.Context) (string, error)
}

// DaemonInfo is what the plugin needs to know of the daemon container.
type DaemonInfo struct {
	Container string
	ID        string
	Running   bool
	// Networks are the networks the daemon is attached to, by name.
	Networks map[string]Endpoint
	// Published are the host addresses (host:port, IPv6 bracketed) of its
	// published ports, by container port ("4038/tcp").
	Published map[string][]string
	// Pretended marks the daemon a dry run would connect: it does not
	// exist, nor do its networks.
	Pretended bool
}

// Endpoint is a container's attachment to a network.
type Endpoint struct {
	// IP is its IPv4 address, or its IPv6 address on an IPv6-only network.
	IP      string
	Aliases []string
}

// Container is a container of a project.
type Container struct {
	Name    string
	Project string
	Service string
	Labels  map[string]string
	Running bool
	// Started tells a container that has run at some point (any state but
	// "created").
	Started bool
}

// Network is a Docker network.
type Network struct {
	Name    string
	Subnets []string
	Labels  map[string]string
	// Containers are the names of the attached containers (ProjectNetworks
	// only).
	Containers []string
}

// Volume is a volume of a project.
type Volume struct {
	Name    string
	Labels  map[string]string
	Options map[string]string
}

// Plugin is an installed managed plugin.
type Plugin struct {
	Name    string
	Enabled bool
}
