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
	// Container is the daemon container's name, ID its container ID
	// (handlers of the netns model join the namespace of that very
	// container; the name when empty).
	Container, ID string
	// IP is where the Telemount driver reaches the daemon: its IP on its
	// network (netns), or on the default bridge (Teleroute).
	IP string
	// Network is the daemon's network: the external network that replaces
	// the default one (netns; DefaultNetwork if empty), or the Teleroute
	// network that handlers join (Teleroute). DNS is its IP there, where
	// it answers DNS (Teleroute).
	Network, DNS string
	// Subnets are the cluster subnets it routes (Teleroute); the project's
	// networks must not overlap them.
	Subnets []string
}

// daemon is the daemon of a connection. A connection the runtime has no
// daemon for is shown with the only daemon it has: `config` knows one
// daemon, whichever connections the project has.
func (t *transformer) daemon(connection string) DaemonRuntime {
	if d, ok := t.rt.Daemons[connection]; ok {
		return d
	}
	if len(t.rt.Daemons) == 1 {
		for _, d := range t.rt.Daemons {
			return d
		}
	}
	return DaemonRuntime{}
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
	var routed []netip.Prefix
	for _, name := range slices.Sorted(maps.Keys(t.rt.Daemons)) {
		routed = append(routed, parsePrefixes(t.rt.Daemons[name].Subnets)...)
	}
	return routed
}

func (t *transformer) warnf(format string, args ...any) {
	t.extraWarnings = append(t.extraWarnings, fmt.Sprintf(format, args...))
}
