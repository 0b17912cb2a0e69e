package transform

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Proxy is how the daemon makes a remote service's ports what the compose
// file says (docs/attachments.md#proxy): dependents dial the compose port
// and reach the cluster service's port (connect --reroute-remote), and the
// service's published ports, published by the daemon, reach the cluster
// (--expose and --reroute-local). Both need Telepresence 2.24.
type Proxy struct {
	Service string
	// RerouteRemote are <host>:<cluster port>:<compose port>.
	RerouteRemote []string
	// Expose are the published ports ([IP:][HOST:]PORT, no host port for
	// one the engine chooses); RerouteLocal sends each on to the cluster
	// service: <port>:<host>:<port>.
	Expose       []string
	RerouteLocal []string
	// Declared tells ports the intent names (x-tele proxy ports, or
	// mapping.ports), which a release without reroutes must refuse; the
	// compose file's published ports alone are only warned about.
	Declared bool
	// Key is where the ports were declared, for errors.
	Key string
	// Host is the name the daemon resolves the cluster service by, and
	// NameKey where it comes from (the service's own name when the key is
	// not set), for errors.
	Host, NameKey string
	// Connection names the connection whose daemon reroutes.
	Connection string
}

// proxyOf is the proxy of a remote service, if it has ports to reroute.
func proxyOf(svc types.ServiceConfig, si ServiceIntent) []Proxy {
	name := si.Mapping.Name
	if name == "" {
		name = svc.Name
	}
	m := si.Mapping
	host := RemoteMapping{Name: name, Namespace: m.Namespace}.host("")
	px := Proxy{Service: svc.Name, Declared: len(m.Ports) > 0, Key: si.proxyKey(), Connection: si.Connection, Host: host, NameKey: si.nameKey()}
	for _, p := range m.Ports {
		compose, cluster, _ := strings.Cut(p, ":")
		cluster, proto, _ := strings.Cut(cluster, "/")
		compose, _, _ = strings.Cut(compose, "/")
		px.RerouteRemote = append(px.RerouteRemote, withProto(host+":"+cluster+":"+compose, proto))
	}
	// Every port the compose file publishes, also on a host port the
	// engine chooses (no host port, as Compose publishes it), as
	// addProxyLocalReroutes takes every port of the service.
	for _, p := range svc.Ports {
		target := strconv.FormatUint(uint64(p.Target), 10)
		proto := ""
		if p.Protocol != "" && p.Protocol != "tcp" {
			proto = p.Protocol
		}
		px.Expose = append(px.Expose, withProto(publishSpec(p, target), proto))
		// With its protocol after the cluster port, which the CLI reads
		// there (ResolveLocalReroute in pkg/client/cli/connect/connector.go);
		// Telepresence's compose leaves it out (addProxyLocalReroutes), so a
		// UDP port is rerouted as TCP.
		px.RerouteLocal = append(px.RerouteLocal, withProto(target+":"+host+":"+target, proto))
	}
	if len(px.RerouteRemote)+len(px.Expose) == 0 {
		return nil
	}
	return []Proxy{px}
}

// proxyKey is the key a proxy's ports are declared under.
func (si ServiceIntent) proxyKey() string {
	if si.Block == TeleKey {
		return TeleKey + ".ports"
	}
	return ExtensionKey + ".mapping.ports"
}

func (si ServiceIntent) nameKey() string {
	if si.Block == TeleKey {
		return TeleKey + ".name"
	}
	return ExtensionKey + ".mapping.name"
}

func withProto(s, proto string) string {
	if proto == "" {
		return s
	}
	return s + "/" + strings.ToLower(proto)
}

// publishSpec is a published port as `docker run -p` writes it: a host IP
// is kept with an engine-chosen host port too (IP::PORT).
func publishSpec(p types.ServicePortConfig, target string) string {
	switch {
	case p.Published == "" && p.HostIP == "":
		return target
	case strings.Contains(p.HostIP, ":"):
		return fmt.Sprintf("[%s]:%s:%s", p.HostIP, p.Published, target)
	case p.HostIP != "":
		return fmt.Sprintf("%s:%s:%s", p.HostIP, p.Published, target)
	}
	return p.Published + ":" + target
}
