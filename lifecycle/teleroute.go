package lifecycle

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// realiasHandlers attaches again, with their aliases, the running handlers
// that lost their alias on a Teleroute network (Teleroute model; one
// network per connection). The daemon dials a handler by that alias, the
// attachment's --address (docs/network-models.md#intercept-address). A
// handler loses it when the daemon reconnects: Telepresence's connector
// then removes a leftover Teleroute network of the same name, makes it
// again, and reconnects the containers that were on it without their
// aliases (pkg/client/cli/connect/connector.go createTelerouteNetwork,
// pkg/client/docker/teleroute/network.go). Compose, which finds the
// container on the network, does not recreate it.
func (u *upRun) realiasHandlers(ctx context.Context, project *types.Project) error {
	type endpoint struct {
		network string
		aliases []string
	}
	want := map[string][]endpoint{} // by service
	for name, svc := range project.Services {
		for _, key := range slices.Sorted(maps.Keys(svc.Networks)) {
			n, ok := project.Networks[key]
			if cfg := svc.Networks[key]; ok && isTeleroute(key, n) && cfg != nil && len(cfg.Aliases) > 0 {
				want[name] = append(want[name], endpoint{n.Name, cfg.Aliases})
			}
		}
	}
	if len(want) == 0 {
		return nil
	}
	// The containers that ran when this run began: one Compose makes or
	// recreates now has its aliases.
	for _, c := range u.before.Containers {
		if len(want[c.Service]) == 0 || !c.Running {
			continue
		}
		networks, err := u.Engine.ContainerNetworks(ctx, c.Name)
		if err != nil {
			return u.engineError(err)
		}
		for _, w := range want[c.Service] {
			if err := u.realias(ctx, c.Name, w.network, w.aliases, networks); err != nil {
				return err
			}
		}
	}
	return nil
}

// isTeleroute tells a Teleroute network of the transformed project: an
// external network under a Teleroute key.
func isTeleroute(key string, n types.NetworkConfig) bool {
	return bool(n.External) && transform.IsTelerouteKey(key)
}

// realias attaches a container to a network again with its aliases, unless
// it has them there.
func (u *upRun) realias(ctx context.Context, container, network string, aliases []string, networks map[string]engine.Endpoint) error {
	ep, attached := networks[network]
	if attached && !slices.ContainsFunc(aliases, func(a string) bool { return !slices.Contains(ep.Aliases, a) }) {
		return nil
	}
	u.printf("Attaching %s to the Teleroute network %s again under its alias %s, which the daemon dials (a reconnect of the daemon dropped it)",
		container, network, strings.Join(aliases, ", "))
	if attached {
		if err := u.Engine.DisconnectNetwork(ctx, network, container); err != nil {
			return fmt.Errorf("detaching %s from the Teleroute network %s to restore its alias: %w", container, network, err)
		}
	}
	if err := u.Engine.ConnectNetwork(ctx, network, container, aliases); err != nil {
		return fmt.Errorf("attaching %s to the Teleroute network %s with its alias: %w", container, network, err)
	}
	return nil
}
