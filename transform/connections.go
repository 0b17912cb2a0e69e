package transform

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// A project may use several connections, each its own daemon (Teleroute
// model; docs/network-models.md). A service reaches the daemons it needs:
// its own connection's (a handler's, a local service's with cluster), and
// the connections of the remote services it depended on; it joins each
// daemon's Teleroute network, with each daemon's DNS, unless the subnets
// that daemon routes overlap those of one it joined already.

// DaemonRuntime is what one connection's daemon is to the project.
type DaemonRuntime struct {
	// Container is the daemon container's name; IP its address on the
	// default bridge (where Telemount reaches it).
	Container, IP string
	// Network is its Teleroute network; DNS its IP there.
	Network, DNS string
	// Subnets are the cluster subnets it routes.
	Subnets []string
}

// daemon is the daemon of a connection: the Runtime's own fields for the
// project's first connection, Connections for the others.
func (t *transformer) daemon(connection string) DaemonRuntime {
	if d, ok := t.rt.Connections[connection]; ok && connection != t.in.Connection().Name {
		return d
	}
	return DaemonRuntime{Container: t.rt.DaemonContainer, IP: t.rt.DaemonIP, Network: t.rt.Network, DNS: t.rt.DNS, Subnets: t.rt.Subnets}
}

// IsTelerouteKey tells whether a network key of a transformed project is a
// connection's Teleroute network: TelerouteNetwork for the project's
// connection, TelerouteNetwork-<connection> for its others (networkKey).
func IsTelerouteKey(key string) bool {
	return key == TelerouteNetwork || strings.HasPrefix(key, TelerouteNetwork+"-")
}

// networkKey is the compose key of a connection's Teleroute network.
func (t *transformer) networkKey(connection string) string {
	if connection == t.in.Connection().Name {
		return TelerouteNetwork
	}
	return TelerouteNetwork + "-" + connection
}

// needs are the connections a service reaches: its own first (an
// attached service's, or a local one's with cluster), then those of the
// remote services it depended on.
func (t *transformer) needs(svc types.ServiceConfig) []string {
	var out []string
	if si := t.in.Services[svc.Name]; si.Behavior.Attaches() || si.Cluster {
		out = append(out, t.in.ConnectionOf(svc.Name))
	}
	for _, dep := range slices.Sorted(maps.Keys(t.project.Services[svc.Name].DependsOn)) {
		if t.in.Behavior(dep) == Remote && !slices.Contains(out, t.in.ConnectionOf(dep)) {
			out = append(out, t.in.ConnectionOf(dep))
		}
	}
	return out
}

// joinDaemons puts a service on the Teleroute network of each daemon it
// needs, with their DNS, its own daemon's first; alias is its name on its
// own daemon's network ("" for none). A daemon whose subnets overlap one
// joined already is skipped, with a warning as Telepresence's own compose
// gives (pkg/client/cli/docker/compose/attachment.go).
func (t *transformer) joinDaemons(svc types.ServiceConfig, alias string) types.ServiceConfig {
	if svc.Networks == nil {
		svc.Networks = map[string]*types.ServiceNetworkConfig{}
	}
	var joined []string
	var dns types.StringList
	for i, conn := range t.needs(svc) {
		d := t.daemon(conn)
		if clash, with, ok := t.overlap(d, joined); ok {
			t.warnf("Subnet %s in connection %s overlaps with subnet %s in connection %s. This prevents it from being added to service %s",
				clash, conn, with, joined[0], svc.Name)
			continue
		}
		joined = append(joined, conn)
		var cfg *types.ServiceNetworkConfig
		if i == 0 && alias != "" {
			cfg = &types.ServiceNetworkConfig{Aliases: []string{alias}}
		}
		svc.Networks[t.networkKey(conn)] = cfg
		t.joined[t.networkKey(conn)] = d.Network
		if d.DNS != "" && !slices.Contains(svc.DNS, d.DNS) {
			dns = append(dns, d.DNS)
		}
	}
	svc.DNS = append(dns, svc.DNS...)
	if !slices.Contains(svc.DNSSearch, SearchDomain) {
		svc.DNSSearch = append(slices.Clone(svc.DNSSearch), SearchDomain)
	}
	return svc
}

// overlap finds a subnet of d that overlaps one of the connections joined.
func (t *transformer) overlap(d DaemonRuntime, joined []string) (clash, with string, found bool) {
	for _, conn := range joined {
		for _, a := range parsePrefixes(d.Subnets) {
			for _, b := range parsePrefixes(t.daemon(conn).Subnets) {
				if a.Overlaps(b) {
					return a.String(), b.String(), true
				}
			}
		}
	}
	return "", "", false
}

// routedSubnets are the subnets every daemon of the project routes.
func (t *transformer) routedSubnets() []netip.Prefix {
	routed := parsePrefixes(t.rt.Subnets)
	for _, d := range t.rt.Connections {
		routed = append(routed, parsePrefixes(d.Subnets)...)
	}
	return routed
}

func (t *transformer) warnf(format string, args ...any) {
	t.extraWarnings = append(t.extraWarnings, fmt.Sprintf(format, args...))
}
