package lifecycle

import (
	"context"
	"maps"
	"slices"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// listNetworks lists Docker's networks (the engine's, or a list read
// earlier).
type listNetworks func(context.Context) ([]engine.Network, error)

// runtime is what the transform needs to know of the daemons, by
// connection name, and of Docker: in the Teleroute model, the subnets the
// project's networks must not overlap, from the networks list gives.
func (r *Runner) runtime(ctx context.Context, sessions map[string]*session, driver string, attachments map[string]vocab.Attachment, state records.State, list listNetworks) (transform.Runtime, error) {
	rt := transform.Runtime{Model: vocab.ModelTeleroute, Daemons: map[string]transform.DaemonRuntime{}, VolumeDriver: driver,
		Attachments: attachments, TelemountReadOnly: telemountTakesReadOnly(driver)}
	routed := false
	for name, s := range sessions {
		if s.model() == vocab.ModelNetns {
			rt.Model = vocab.ModelNetns
		}
		rt.Daemons[name] = daemonRuntime(s)
		routed = routed || len(rt.Daemons[name].Subnets) > 0
	}
	if rt.Model == vocab.ModelNetns || !routed {
		return rt, nil
	}
	networks, err := list(ctx)
	if err != nil {
		return rt, r.engineError(err)
	}
	rt.ProjectSubnets = map[string]string{}
	for _, n := range networks {
		own := slices.ContainsFunc(state.Networks, func(p engine.Network) bool { return p.Name == n.Name })
		switch {
		case own && len(n.Subnets) > 0:
			rt.ProjectSubnets[n.Name] = n.Subnets[0]
		case !own:
			rt.TakenSubnets = append(rt.TakenSubnets, n.Subnets...)
		}
	}
	return rt, nil
}

// daemonRuntime is what the transform needs to know of one daemon.
func daemonRuntime(s *session) transform.DaemonRuntime {
	d := transform.DaemonRuntime{Container: s.daemon.Container(), ID: s.info.ID}
	if s.model() == vocab.ModelNetns {
		d.Network = netnsNetwork(s.info)
		d.IP = s.info.Networks[d.Network].IP
		return d
	}
	d.Network = s.daemon.Network()
	d.DNS = s.info.Networks[d.Network].IP
	// The Telemount plugin runs on the host and reaches the daemon on the
	// default bridge (pkg/client/cli/docker/compose: ContainerIP).
	d.IP = s.info.Networks["bridge"].IP
	d.Subnets = slices.Concat(s.daemon.Subnets, s.daemon.AlsoProxySubnets)
	return d
}

// netnsNetwork is the daemon's own network in the netns model:
// "telepresence", or the first the daemon is on.
func netnsNetwork(info engine.DaemonInfo) string {
	if _, ok := info.Networks[transform.DefaultNetwork]; ok || len(info.Networks) == 0 {
		return transform.DefaultNetwork
	}
	return slices.Sorted(maps.Keys(info.Networks))[0]
}
