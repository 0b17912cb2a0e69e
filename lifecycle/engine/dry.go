package engine

import (
	"context"
	"io"
	"strings"
)

// Dry is the engine of a dry run: it reads from the engine and says what
// it would write. A daemon the dry run would connect does not exist: it is
// answered as running, on the networks it would have.
type Dry struct {
	Engine
	// Say says what would change.
	Say func(format string, args ...any)
	// Pretended tells whether the dry run pretends a daemon container,
	// and the name of its Teleroute network if so.
	Pretended func(container string) (network string, ok bool)
}

// InspectDaemon answers for a pretended daemon, and asks the engine for
// any other.
func (e *Dry) InspectDaemon(ctx context.Context, container string) (DaemonInfo, error) {
	if network, ok := e.Pretended(container); ok {
		return DaemonInfo{Container: container, Running: true, Pretended: true,
			Networks: map[string]Endpoint{network: {}, "bridge": {}, "telepresence": {}}}, nil
	}
	return e.Engine.InspectDaemon(ctx, container)
}

// ConnectNetwork says it would attach the container.
func (e *Dry) ConnectNetwork(_ context.Context, network, container string, aliases []string) error {
	e.Say("would attach %s to network %s as %s", container, network, strings.Join(aliases, ", "))
	return nil
}

// DisconnectNetwork says it would detach the container.
func (e *Dry) DisconnectNetwork(_ context.Context, network, container string) error {
	e.Say("would detach %s from network %s", container, network)
	return nil
}

// CreateVolume says it would create the volume.
func (e *Dry) CreateVolume(_ context.Context, name string, _ map[string]string) error {
	e.Say("would create the record volume %s", name)
	return nil
}

// RemoveVolume says it would remove the volume.
func (e *Dry) RemoveVolume(_ context.Context, name string) error {
	e.Say("would remove the volume %s", name)
	return nil
}

// InstallVolumePlugin says it would install the plugin.
func (e *Dry) InstallVolumePlugin(_ context.Context, name, _ string, _ io.Writer) error {
	e.Say("would install the volume plugin %s", name)
	return nil
}
