package transform

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// TelerouteNetwork is the compose key of the daemon's Teleroute network in
// the transformed project (an external network named after the daemon).
const TelerouteNetwork = "teleroute"

// SearchDomain makes single-label names resolve in the connected namespace
// through the daemon's DNS (tel2SubDomain in Telepresence's
// pkg/client/rootd/dns/server.go).
const SearchDomain = "tel2-search"

// InterceptAddress is the alias a handler has on the Teleroute network, and
// the --address of its intercept, which the daemon resolves when traffic
// arrives: a DNS label (lowercase letters, digits and '-', at most 63),
// unique to the project and service. A name that had to be changed to be
// one (a service api_v2, a long one) ends in a hash of the original.
func InterceptAddress(project, service string) string {
	raw := "tp-" + project + "-" + service
	alias := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, raw)
	if alias == raw && len(alias) <= 63 {
		return alias
	}
	sum := sha256.Sum256([]byte(raw))
	return strings.TrimRight(alias[:min(len(alias), 54)], "-") + "-" + hex.EncodeToString(sum[:4])
}

// ClusterServices are the local services that reach the cluster in the
// Teleroute model: those that depended on a remote service (they must still
// reach it, by its compose name) and those that opt in with
// `x-telepresence: {cluster: true}`.
func ClusterServices(project *types.Project, in *Intent) []string {
	var out []string
	for _, name := range project.ServiceNames() {
		if in.Behavior(name) != Local {
			continue
		}
		svc := project.Services[name]
		needs := in.Services[name].Cluster
		for dep := range svc.DependsOn {
			needs = needs || in.Behavior(dep) == Remote
		}
		for _, l := range svc.Links {
			target, _, _ := strings.Cut(l, ":")
			needs = needs || in.Behavior(target) == Remote
		}
		if needs && svc.NetworkMode == "" {
			out = append(out, name)
		}
	}
	return out
}

// telerouteHandler keeps the handler's own networks, ports and names, and
// puts it on the Teleroute network under its intercept address, with the
// daemon's DNS first.
func (t *transformer) telerouteHandler(svc types.ServiceConfig) types.ServiceConfig {
	return t.joinDaemons(svc, InterceptAddress(t.project.Name, svc.Name))
}

// telerouteLocal puts a local service that needs the cluster on the
// Teleroute network with the daemon's DNS.
func (t *transformer) telerouteLocal(svc types.ServiceConfig) types.ServiceConfig {
	if !slices.Contains(t.cluster, svc.Name) {
		return svc
	}
	return t.joinDaemons(svc, "")
}

// telerouteNetworks declares the Teleroute network and keeps the project's
// networks clear of the cluster's subnets.
func (t *transformer) telerouteNetworks(out *types.Project) {
	for key, name := range t.joined {
		out.Networks[key] = types.NetworkConfig{Name: name, External: true}
	}
	t.assignSubnets(out)
}

// localWarnings says what happens to a local service that the user may
// not expect.
func (t *transformer) localWarnings(svc types.ServiceConfig) []string {
	var warnings []string
	target, sharesHandler := strings.CutPrefix(svc.NetworkMode, types.ServicePrefix)
	sharesHandler = sharesHandler && t.in.Behavior(target).Attaches()
	if t.rt.netns() {
		if sharesHandler {
			warnings = append(warnings, fmt.Sprintf("service %q: network_mode: shares the network of handler %q, so it now shares the network of the Telepresence daemon %q",
				svc.Name, target, t.daemon(t.in.Connection().Name).Container))
		}
		if t.in.Services[svc.Name].Cluster {
			warnings = append(warnings, fmt.Sprintf("service %q: %s.cluster has no effect with this Telepresence (before 2.23, only intercept handlers share the daemon's network)",
				svc.Name, ExtensionKey))
		}
		return warnings
	}
	if svc.NetworkMode != "" && !sharesHandler && t.dependsOnRemote(svc) {
		warnings = append(warnings, fmt.Sprintf("service %q: network_mode %q keeps it off the Telepresence network, so it cannot reach the remote services it depended on by name",
			svc.Name, svc.NetworkMode))
	}
	return warnings
}

func (t *transformer) dependsOnRemote(svc types.ServiceConfig) bool {
	for dep := range svc.DependsOn {
		if t.in.Behavior(dep) == Remote {
			return true
		}
	}
	return false
}
