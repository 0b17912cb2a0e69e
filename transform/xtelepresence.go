package transform

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// ExtensionKey is the plugin's own compose extension.
const ExtensionKey = "x-telepresence"

// parseService reads a service's x-telepresence extension.
func parseService(service string, raw any, errs *Errors) (ServiceIntent, bool) {
	si := ServiceIntent{Behavior: Local, Source: "file"}
	d := decoder{service: service, key: ExtensionKey, errs: errs}
	m, ok := d.mapping(raw)
	if !ok {
		return si, false
	}
	before := len(*errs)
	if b, present := m["behavior"]; present {
		si.Behavior = d.child("behavior").behavior(b)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "behavior":
		case "intercept", "ingest", "replace", "wiretap":
			b := blockBehavior(k)
			if si.Behavior != b {
				sub.fail(fmt.Sprintf("%s is only for behavior %s, this service is %s", k, b, si.Behavior),
					fmt.Sprintf("set behavior: %s or remove %s", b, k))
				continue
			}
			si.Attach = sub.attachBlock(m[k], b)
		case "mapping":
			if si.Behavior != Remote {
				sub.fail(fmt.Sprintf("mapping is only for behavior %s, this service is %s", Remote, si.Behavior),
					"set behavior: remote or remove mapping")
				continue
			}
			si.Mapping = sub.remoteMapping(m[k])
		case "cluster":
			if si.Behavior != Local {
				sub.fail(fmt.Sprintf("cluster is only for behavior %s, this service is %s", Local, si.Behavior),
					"remove cluster: an attached service always reaches the cluster, a remote service does not run")
				continue
			}
			si.Cluster, _ = sub.boolean(m[k])
		case "connection":
			si.Connection = sub.str(m[k])
		default:
			sub.unknown("behavior, intercept, ingest, replace, wiretap, mapping, cluster, connection")
		}
	}
	return si, len(*errs) == before
}

// blockBehavior is the behaviour whose attachment keys a block holds.
func blockBehavior(block string) Behavior {
	if block == "intercept" {
		return InterceptHandler
	}
	return Behavior(block)
}

func (d decoder) behavior(raw any) Behavior {
	s := d.str(raw)
	if s == "" {
		return Local
	}
	for _, b := range behaviors {
		if s == string(b) {
			return b
		}
	}
	hint := "use one of " + joinBehaviors()
	for _, b := range behaviors {
		if strings.EqualFold(s, string(b)) {
			hint = fmt.Sprintf("did you mean %q? behaviours are case-sensitive", b)
		}
	}
	d.fail(fmt.Sprintf("unknown behavior %q", s), hint)
	return Local
}

func joinBehaviors() string {
	names := make([]string, len(behaviors))
	for i, b := range behaviors {
		names[i] = string(b)
	}
	return strings.Join(names, ", ")
}

// attachBlock reads the intercept:, ingest:, replace: or wiretap: block.
func (d decoder) attachBlock(raw any, b Behavior) AttachSpec {
	var spec AttachSpec
	m, ok := d.mapping(raw)
	if !ok {
		return spec
	}
	valid := telepresenceKeys[b]
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(valid, k) {
			d.child(k).unknown(strings.Join(valid, ", "))
			continue
		}
		d.child(k).attachKey(k, m[k], &spec, false)
	}
	return spec
}

// remoteMapping reads the `mapping` block of a remote service.
func (d decoder) remoteMapping(raw any) Mapping {
	var mp Mapping
	m, ok := d.mapping(raw)
	if !ok {
		return mp
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "name":
			mp.Name = sub.str(m[k])
			sub.dnsLabel(mp.Name, "a Kubernetes service name")
		case "namespace":
			mp.Namespace = sub.str(m[k])
			sub.dnsLabel(mp.Namespace, "a Kubernetes namespace")
		case "ports":
			mp.Ports = sub.proxyPorts(m[k])
		default:
			sub.unknown("name, namespace, ports")
		}
	}
	return mp
}

// proxyPorts reads COMPOSE:CLUSTER port pairs of a remote service: the
// compose port is a number, the cluster service's a number or a name.
func (d decoder) proxyPorts(raw any) []string {
	ports := d.portList(raw)
	for i, p := range ports {
		if !strings.Contains(p, ":") {
			ports[i] = p + ":" + p
		}
	}
	return ports
}

// parseTelepresenceTop reads the top-level x-telepresence: a connection,
// written with the keys of one, or a list of connections, and mounts.
func parseTelepresenceTop(raw any, in *Intent, errs *Errors) {
	d := decoder{key: ExtensionKey, errs: errs}
	m, ok := d.mapping(raw)
	if !ok {
		return
	}
	var inline Connection
	inlineKeys := 0
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "connections":
			in.Connections = sub.connectionList(m[k], telepresenceConnectionKeys)
		case "mounts":
			in.Mounts = sub.mountOverrides(m[k])
		default:
			if !sub.connectionKey(k, m[k], &inline, telepresenceConnectionKeys) {
				sub.unknown("context, namespace, managerNamespace, mappedNamespaces, connections, mounts")
			}
			inlineKeys++
		}
	}
	switch {
	case inlineKeys > 0 && len(in.Connections) > 0:
		d.fail("declares a connection both with its own keys and in connections", "move context, namespace, ... into the connections list")
	case inlineKeys > 0:
		in.Connections = []Connection{inline}
	}
}

// telepresenceConnectionKeys are x-telepresence's keys of a connection,
// by field (camelCase, as the rest of x-telepresence).
var telepresenceConnectionKeys = connectionKeys{name: "name", context: "context", namespace: "namespace",
	managerNamespace: "managerNamespace", mappedNamespaces: "mappedNamespaces", alsoProxy: "alsoProxy", neverProxy: "neverProxy"}

// connectionKey reads one key of a connection; false when it is none.
func (d decoder) connectionKey(k string, raw any, c *Connection, keys connectionKeys) bool {
	switch k {
	case keys.name:
		c.Name = d.str(raw)
		d.dnsLabel(c.Name, "a connection name")
	case keys.context:
		c.Context = d.str(raw)
	case keys.namespace:
		c.Namespace = d.str(raw)
		d.dnsLabel(c.Namespace, "a Kubernetes namespace")
	case keys.managerNamespace:
		c.ManagerNamespace = d.str(raw)
		d.dnsLabel(c.ManagerNamespace, "a Kubernetes namespace")
	case keys.mappedNamespaces:
		c.MappedNamespaces = d.strList(raw)
		for i, ns := range c.MappedNamespaces {
			d.child(strconv.Itoa(i)).dnsLabel(ns, "a Kubernetes namespace")
		}
	case keys.alsoProxy:
		c.AlsoProxy = d.cidrList(raw)
	case keys.neverProxy:
		c.NeverProxy = d.cidrList(raw)
	default:
		return false
	}
	return true
}
