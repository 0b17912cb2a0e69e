package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// In the netns model a handler shares the daemon container's network
// namespace and cannot have network aliases of its own, so the daemon
// container joins the handlers' networks under their names
// (docs/network-models.md#netns-handlers).

// attachDaemon puts the daemon on the handlers' networks with their names
// (netns model): it is attached again where its aliases differ, since
// Docker cannot change them in place, and detached from the networks it
// joined for handlers the project no longer has.
func (u *upRun) attachDaemon(ctx context.Context, s *session, res *transform.Result) error {
	container := s.daemon.Container()
	var wanted []string
	for _, a := range res.DaemonNetworks {
		wanted = append(wanted, a.Name)
		ep, attached := s.info.Networks[a.Name]
		if attached && sameAliases(ep.Aliases, a.Aliases, s.info) {
			continue
		}
		if attached {
			if err := u.Engine.DisconnectNetwork(ctx, a.Name, container); err != nil {
				return fmt.Errorf("detaching the Telepresence daemon %q from network %q to update its aliases: %w", container, a.Name, err)
			}
		}
		if err := u.Engine.ConnectNetwork(ctx, a.Name, container, a.Aliases); err != nil {
			return fmt.Errorf("attaching the Telepresence daemon %q to network %q: %w", container, a.Name, err)
		}
	}
	var stale []string
	for _, n := range u.before.DaemonNetworks(container) {
		if !slices.Contains(wanted, n) {
			stale = append(stale, n)
		}
	}
	return u.disconnectDaemon(ctx, u.project, container, stale)
}

// sameAliases tells whether a daemon's aliases on a network are those a
// handler needs; Docker adds the container's short ID itself.
func sameAliases(have, want []string, info engine.DaemonInfo) bool {
	for _, a := range have {
		if !slices.Contains(want, a) && a != info.Container && (len(info.ID) < 12 || a != info.ID[:12]) {
			return false
		}
	}
	for _, a := range want {
		if !slices.Contains(have, a) {
			return false
		}
	}
	return true
}

// disconnectDaemon detaches a daemon container from networks it joined for a
// project, but not from one that another project's handler still needs.
func (r *Runner) disconnectDaemon(ctx context.Context, project, container string, networks []string) error {
	if len(networks) == 0 {
		return nil
	}
	users, err := r.handlersOf(ctx, container)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range networks {
		needed := slices.ContainsFunc(users, func(c engine.Container) bool {
			return c.Project != project && slices.Contains(records.DaemonNetworksOf(c), n)
		})
		if !needed {
			errs = append(errs, r.Engine.DisconnectNetwork(ctx, n, container))
		}
	}
	return errors.Join(errs...)
}

// handlersOf lists the handler containers, of any project, that work with
// a daemon container.
func (r *Runner) handlersOf(ctx context.Context, daemonContainer string) ([]engine.Container, error) {
	users, err := r.Engine.ContainersWithLabel(ctx, labels.DaemonContainer, daemonContainer)
	if err != nil {
		return nil, r.engineError(err)
	}
	return users, nil
}
