package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

func statusFlags(release) flagSpec { return flagSpec{boolean: []string{"multi-daemon"}} }

// raw is output printed verbatim, whatever the output mode.
type raw string

// status prints the daemons in the shape of pkg/client/cli/cmd/status.go
// for the emulated release, built from the samples.
func status(e *env, f *flags) (any, error) {
	if e.fx.StatusOutput != "" {
		return raw(e.fx.StatusOutput), nil
	}
	st, unlock, pruned, err := readState(e)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if pruned {
		if err := saveState(e.dir, st); err != nil {
			return nil, err
		}
	}
	use := f.last("use")
	conns, err := matching(st, use)
	if err != nil {
		return nil, err
	}
	if use != "" && len(conns) > 1 {
		// Only MultipleDaemonsError (no --use) makes status list them all
		// (pkg/client/cli/cmd/status.go run); --use must name one.
		_, err := selectOne(st, use)
		return nil, err
	}
	host := e.hostStatus()
	switch {
	case len(conns) == 0 && host != nil:
		return host, nil
	case len(conns) == 0:
		e.printf("User Daemon: Not running\nRoot Daemon: Not running\n")
		if e.rel.teleroute() {
			return loadSample(sampleNotRunningRecent), nil
		}
		return loadSample(sampleNotRunningNetns), nil
	case len(conns) == 1 && host == nil && !f.bools["multi-daemon"]:
		return e.connectionStatus(conns[0]), nil
	}
	// pkg/client/cli/cmd/status.go MultiConnectStatusInfo: {"connections":
	// [...]}, a daemon on the host among them as it prints one alone.
	list := []any{}
	if host != nil {
		list = append(list, host)
	}
	for _, c := range conns {
		list = append(list, e.connectionStatus(c))
	}
	return loadSample(sampleStatusMulti).set("connections", list), nil
}

// connectionStatus is {"daemon": ..., "traffic_manager": ...} for one
// containerized daemon.
func (e *env) connectionStatus(c *fixture.Connection) shape {
	e.printf("Connected to context %s, namespace %s (daemon %s, container %s)\n",
		c.Context, c.Namespace, c.Name, containerName(c.Name))
	if !e.rel.teleroute() {
		return e.netnsStatus(c)
	}
	return e.telerouteStatus(c)
}

// netnsStatus follows status-2.20-netns.json: the container network is
// "container:tp-<name>", the traffic manager's version has a "v", and
// dns.mappings is left out when the set is empty (omitempty in 2.20's
// pkg/client/cli/cmd/status.go).
func (e *env) netnsStatus(c *fixture.Connection) shape {
	s := loadSample(sampleStatusNetns)
	d := s.obj("daemon")
	subnets := e.fx.Subnets
	if subnets == nil {
		subnets = fixture.DefaultSubnets
	}
	d.set("running", true).set("in_docker", true).set("name", c.Name).set("daemon_port", c.GRPCPort).
		set("container_network", "container:"+containerName(c.Name)).set("version", e.rel.text).set("status", "Connected").
		set("kubernetes_context", c.Context).set("namespace", c.Namespace).
		set("manager_namespace", managerNamespace(c)).set("intercepts", interceptList(d, c, "")).
		set("subnets", strList(subnets))
	addExposed(d, c)
	addProxySubnets(d, c)
	dns := d.obj("dns")
	if mm := currentMappings(e, c.Name); len(mm) > 0 {
		dns.set("mappings", mappingList(mm))
	} else {
		delete(dns, "mappings")
	}
	if ip := ipOn(containerName(c.Name), netnsNetwork); ip != "" {
		dns.set("local_ip", ip)
	}
	s.obj("traffic_manager").set("version", "v"+e.rel.text)
	return s
}

// telerouteStatus follows status-2.27-teleroute.json, or
// status-2.27-no-subnets.json when the daemon routes no subnet (then it made
// no Teleroute network and its container network is "default bridge"); or,
// from 2.31, status-2.31-teleroute.json, which lists attachments by kind.
func (e *env) telerouteStatus(c *fixture.Connection) shape {
	file, network, dnsNet := sampleStatusTeleroute, containerName(c.Name), c.Network
	subnets := e.fx.Subnets
	if subnets == nil {
		subnets = fixture.DefaultSubnets
	}
	if c.Network == "" {
		file, network, dnsNet, subnets = sampleStatusNoSubnets, "default bridge", "bridge", nil
	}
	if e.rel.tunnelTransport() {
		file = sampleStatusKinds
	}
	s := loadSample(file)
	d := s.obj("daemon")
	d.set("running", true).set("in_docker", true).set("name", c.Name).set("daemon_port", c.GRPCPort).
		set("container_network", network).set("version", e.rel.text).set("status", "Connected").
		set("kubernetes_context", c.Context).set("namespace", c.Namespace).
		set("manager_namespace", managerNamespace(c)).set("mapped_namespaces", strList(c.MappedNamespaces)).
		set("subnets", strList(subnets)).
		set("also_proxy_subnets", strList(c.AlsoProxy)).set("never_proxy_subnets", strList(c.NeverProxy))
	e.setAttachments(d, c)
	addExposed(d, c)
	dns := d.obj("dns")
	dns.set("mappings", mappingList(currentMappings(e, c.Name)))
	// Where the daemon answers DNS: on the Teleroute network, or on the
	// default bridge without one (status.go getStatusInfo).
	if ip := ipOn(containerName(c.Name), dnsNet); ip != "" {
		dns.set("local_addresses", strList([]string{ip + ":53"}))
	}
	tm := s.obj("traffic_manager")
	tm.set("version", e.rel.text).set("traffic_agent", "ghcr.io/telepresenceio/tel2:"+e.rel.text)
	return s
}

// addExposed adds exposedPorts, which status omits when empty
// (UserDaemonStatus `json:"exposedPorts,omitempty"`, so not in the samples).
func addExposed(d shape, c *fixture.Connection) {
	if len(c.Exposed) > 0 {
		d["exposedPorts"] = strList(c.Exposed)
	}
}

// addProxySubnets adds the subnets of --also-proxy and --never-proxy to a
// 2.20-2.22 status, which leaves them out when empty (RoutingSnake's
// `json:"also_proxy_subnets,omitempty"` and `never_proxy_subnets` in
// pkg/client/config.go at v2.20.2, so not in status-2.20-netns.json). From
// 2.23 status always prints both (status-2.27-teleroute.json).
func addProxySubnets(d shape, c *fixture.Connection) {
	if len(c.AlsoProxy) > 0 {
		d["also_proxy_subnets"] = strList(c.AlsoProxy)
	}
	if len(c.NeverProxy) > 0 {
		d["never_proxy_subnets"] = strList(c.NeverProxy)
	}
}

// setAttachments lists the daemon's attachments. From 2.27 by kind:
// ingests {workload, container, mount}, intercepts, replacements and
// wiretaps {name, client}, each left out when empty (UserDaemonStatus's
// lists are all omitempty, and encoding/json v2 leaves an empty list out:
// pkg/client/cli/cmd/status.go at v2.27.4 and v2.31.2), the items shaped
// as status-2.31-teleroute.json has them. Before, "intercepts" lists the
// intercepts, replaces and wiretaps by name (the traffic manager holds all
// three as intercepts), and ingests are not shown.
func (e *env) setAttachments(d shape, c *fixture.Connection) {
	if !e.rel.statusKinds() {
		d.set("intercepts", interceptList(d, c, ""))
		return
	}
	items := loadSample(sampleStatusKinds).obj("daemon")
	for key, kind := range map[string]string{"intercepts": fixture.KindIntercept, "replacements": fixture.KindReplace, "wiretaps": fixture.KindWiretap} {
		if l := interceptList(items, c, kind); len(l) > 0 {
			d[key] = l // the 2.27 sample, with one intercept, has no key for the others
		} else {
			delete(d, key)
		}
	}
	keys := make([]string, 0, len(c.Ingests))
	for k := range c.Ingests {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	list := []any{}
	for _, k := range keys {
		ig := c.Ingests[k]
		list = append(list, items.item("ingests").set("workload", ig.Workload).set("container", ig.Container).set("mount", ig.LocalDir))
	}
	if len(list) > 0 {
		d["ingests"] = list
	} else {
		delete(d, "ingests")
	}
}

// interceptList lists the daemon's attachments of a kind ("" for
// intercepts, replaces and wiretaps) like the sample's items.
func interceptList(d shape, c *fixture.Connection, kind string) []any {
	var names []string
	for n, ai := range c.Intercepts {
		if kind == "" || ai.KindOf() == kind {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	tmpl := "intercepts"
	switch kind {
	case fixture.KindReplace:
		tmpl = "replacements"
	case fixture.KindWiretap:
		tmpl = "wiretaps"
	}
	list := []any{}
	for _, n := range names {
		list = append(list, d.item(tmpl).set("name", n).set("client", "standin@e2e"))
	}
	return list
}

// mappingList lists DNS mappings like the items of the sample's
// dns.mappings.
func mappingList(mm []fixture.DNSMapping) []any {
	tmpl := loadSample(sampleStatusTeleroute).obj("daemon").obj("dns")
	list := []any{}
	for _, m := range mm {
		list = append(list, tmpl.item("mappings").set("name", m.Name).set("aliasFor", m.AliasFor))
	}
	return list
}

// mappingsFile holds a daemon's current DNS mappings, written by the
// daemon itself (daemon.go) each time its set changes.
func mappingsFile(name string) string { return "mappings-" + name + ".json" }

// currentMappings reads a daemon's current mapping set; before the daemon
// wrote it, that is the fixture's.
func currentMappings(e *env, name string) []fixture.DNSMapping {
	var mm []fixture.DNSMapping
	data, err := os.ReadFile(filepath.Join(e.dir, mappingsFile(name)))
	if err != nil || json.Unmarshal(data, &mm) != nil {
		return e.fx.DNSMappings
	}
	return mm
}

// hostStatus is the daemon the user connected on the host (telepresence
// connect without --docker), as status-host-daemon.json has it; nil
// without one. A request for a containerized daemon does not take it, and
// the two coexist (pkg/client/cli/connect/connector.go).
func (e *env) hostStatus() shape {
	if !e.fx.NonDocker {
		return nil
	}
	s := loadSample(sampleStatusHost)
	s.obj("user_daemon").set("version", e.rel.text)
	s.obj("root_daemon").set("version", e.rel.text)
	s.obj("traffic_manager").set("version", e.rel.text)
	e.printf("User Daemon: Running (on the host)\n")
	return s
}
