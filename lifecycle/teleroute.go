package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// attachHandlers makes the handlers reachable by the daemon under their
// names once Compose has created them: the daemon joins their networks
// (netns model), or each keeps its alias on the Teleroute network.
func (u *upRun) attachHandlers(ctx context.Context, project *types.Project, res *transform.Result) error {
	if u.session.model() == telepresence.ModelNetns {
		return u.attachDaemon(ctx, res)
	}
	return u.realiasHandlers(ctx, project)
}

// realiasHandlers attaches again, with their aliases, the running handlers
// that lost their alias on the Teleroute network (Teleroute model). The
// daemon dials a handler by that alias, the intercept's --address
// (docs/network-models.md#intercept-address). A handler loses it when the
// daemon reconnects: Telepresence's connector then removes a leftover
// Teleroute network of the same name, makes it again, and reconnects the
// containers that were on it without their aliases
// (pkg/client/cli/connect/connector.go createTelerouteNetwork,
// pkg/client/docker/teleroute/network.go). Compose, which finds the
// container on the network, does not recreate it.
func (u *upRun) realiasHandlers(ctx context.Context, project *types.Project) error {
	n, ok := project.Networks[transform.TelerouteNetwork]
	if u.session.model() != telepresence.ModelTeleroute || !ok {
		return nil
	}
	want := map[string][]string{} // service: its aliases on the Teleroute network
	for name, svc := range project.Services {
		if cfg := svc.Networks[transform.TelerouteNetwork]; cfg != nil && len(cfg.Aliases) > 0 {
			want[name] = cfg.Aliases
		}
	}
	if len(want) == 0 {
		return nil
	}
	containers, err := u.Engine.ProjectContainers(ctx, u.project)
	if err != nil {
		return u.engineError(err)
	}
	for _, c := range containers {
		aliases, handler := want[c.Service]
		if !handler || !c.Running {
			continue // a container Compose made now has its aliases
		}
		networks, err := u.Engine.ContainerNetworks(ctx, c.Name)
		if err != nil {
			return u.engineError(err)
		}
		ep, attached := networks[n.Name]
		if attached && !slices.ContainsFunc(aliases, func(a string) bool { return !slices.Contains(ep.Aliases, a) }) {
			continue
		}
		u.printf("Attaching %s to the Teleroute network %s again under its alias %s, which the daemon dials (a reconnect of the daemon dropped it)",
			c.Name, n.Name, strings.Join(aliases, ", "))
		if attached {
			if err := u.Engine.DisconnectNetwork(ctx, n.Name, c.Name); err != nil {
				return fmt.Errorf("detaching %s from the Teleroute network %s to restore its alias: %w", c.Name, n.Name, err)
			}
		}
		if err := u.Engine.ConnectNetwork(ctx, n.Name, c.Name, aliases); err != nil {
			return fmt.Errorf("attaching %s to the Teleroute network %s with its alias: %w", c.Name, n.Name, err)
		}
	}
	return nil
}
