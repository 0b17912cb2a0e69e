package transform

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
)

// DefaultNetwork is the external network of the containerized daemon in the
// netns model.
const DefaultNetwork = "telepresence"

// HandlersNetwork is the project network through which the services on the
// default network reach the intercept handlers by name (netns model). A
// handler cannot have aliases of its own (it shares the daemon's network
// namespace), and the daemon is already on the default network, where its
// aliases cannot be changed without cutting its connection; so the daemon
// joins this network with the handlers' names, and so do the services on
// the default network.
const HandlersNetwork = "telepresence-handlers"

// netnsPrepare records the networks the daemon must join, each with the
// names (service name and aliases) of every handler that was on it.
func (t *transformer) netnsPrepare() {
	byKey := map[string]*NetworkAttachment{}
	localOnDefault := t.localOnDefault()
	for _, name := range t.in.Handlers() {
		svc := t.project.Services[name]
		for key, cfg := range svc.Networks {
			aliases := []string{name}
			if cfg != nil {
				aliases = append(aliases, cfg.Aliases...)
			}
			dockerName := t.project.Networks[key].Name
			if key == "default" {
				if !localOnDefault {
					continue // nobody there needs to reach it by name
				}
				key, dockerName = HandlersNetwork, t.project.Name+"_"+HandlersNetwork
				t.handlersNetwork = true
			}
			if byKey[key] == nil {
				byKey[key] = &NetworkAttachment{Name: dockerName}
			}
			byKey[key].Aliases = append(byKey[key].Aliases, aliases...)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		a := byKey[key]
		a.Aliases = uniqueSorted(a.Aliases)
		t.res.DaemonNetworks = append(t.res.DaemonNetworks, *a)
	}
}

// localOnDefault tells whether a service that runs locally (not a handler)
// is on the default network.
func (t *transformer) localOnDefault() bool {
	for name, svc := range t.project.Services {
		if _, ok := svc.Networks["default"]; ok && t.in.Behavior(name) == Local {
			return true
		}
	}
	return false
}

// daemonMode is the network mode of the containers that share the daemon's
// namespace: its container ID when known, so that a restarted daemon (same
// name, new container) makes Compose recreate them.
func (t *transformer) daemonMode() string {
	d := t.daemon(t.in.Connection().Name)
	if d.ID != "" {
		return types.ContainerPrefix + d.ID
	}
	return types.ContainerPrefix + d.Container
}

// netnsHandler puts a handler in the daemon's network namespace.
func (t *transformer) netnsHandler(svc types.ServiceConfig) types.ServiceConfig {
	svc.NetworkMode = t.daemonMode()
	svc.Networks = nil
	svc.Ports = nil
	svc.Expose = nil
	for _, k := range droppedKeys {
		k.clear(&svc)
	}
	if _, ok := t.rt.Attachments[svc.Name]; ok {
		var joined []string
		for _, a := range t.res.DaemonNetworks {
			if slices.Contains(a.Aliases, svc.Name) {
				joined = append(joined, a.Name)
			}
		}
		if len(joined) > 0 {
			svc.CustomLabels = svc.CustomLabels.Add(labels.DaemonNetworks, strings.Join(joined, ","))
		}
	}
	return svc
}

// netnsLocal points a service that shared a handler's network at the
// daemon, and puts the services of the default network on the handlers
// network.
func (t *transformer) netnsLocal(svc types.ServiceConfig) types.ServiceConfig {
	if target, ok := strings.CutPrefix(svc.NetworkMode, types.ServicePrefix); ok && t.in.Behavior(target).Attaches() {
		svc.NetworkMode = t.daemonMode()
	}
	if _, onDefault := svc.Networks["default"]; onDefault && t.handlersNetwork {
		svc.Networks[HandlersNetwork] = nil
	}
	return svc
}

// netnsNetworks replaces the default network with the daemon's and adds
// the handlers network.
func (t *transformer) netnsNetworks(out *types.Project) {
	network := t.daemon(t.in.Connection().Name).Network
	if network == "" {
		network = DefaultNetwork
	}
	if _, ok := out.Networks["default"]; ok {
		out.Networks["default"] = types.NetworkConfig{Name: network, External: true}
	}
	if t.handlersNetwork {
		out.Networks[HandlersNetwork] = types.NetworkConfig{Name: out.Name + "_" + HandlersNetwork}
	}
}

// droppedKeys are refused by the Docker Engine next to a container network
// mode ("conflicting options: ... and the network mode").
var droppedKeys = []struct {
	key   string
	isSet func(*types.ServiceConfig) bool
	clear func(*types.ServiceConfig)
}{
	{"hostname", func(s *types.ServiceConfig) bool { return s.Hostname != "" }, func(s *types.ServiceConfig) { s.Hostname = "" }},
	{"dns", func(s *types.ServiceConfig) bool { return len(s.DNS) > 0 }, func(s *types.ServiceConfig) { s.DNS = nil }},
	{"extra_hosts", func(s *types.ServiceConfig) bool { return len(s.ExtraHosts) > 0 }, func(s *types.ServiceConfig) { s.ExtraHosts = nil }},
	{"links", func(s *types.ServiceConfig) bool { return len(s.Links) > 0 }, func(s *types.ServiceConfig) { s.Links = nil }},
	{"external_links", func(s *types.ServiceConfig) bool { return len(s.ExternalLinks) > 0 }, func(s *types.ServiceConfig) { s.ExternalLinks = nil }},
	{"mac_address", func(s *types.ServiceConfig) bool { return s.MacAddress != "" }, func(s *types.ServiceConfig) { s.MacAddress = "" }},
}

// netnsDropped warns about the keys a handler loses in the netns model.
func netnsDropped(svc types.ServiceConfig) []string {
	var dropped []string
	for _, k := range droppedKeys {
		if k.isSet(&svc) {
			dropped = append(dropped, k.key)
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("service %q: dropped %s: the Docker Engine refuses them for a container that shares the network of the Telepresence daemon",
		svc.Name, strings.Join(dropped, ", "))}
}
