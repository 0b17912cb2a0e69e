package transform

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// TeleKey is the extension of Telepresence's own compose support
// (`telepresence compose`, 2.24+), read unchanged (docs/attachments.md).
const TeleKey = "x-tele"

// teleTypes are x-tele's types, each with the behaviour it is and the keys
// it takes besides type and connection (Telepresence's
// pkg/client/cli/docker/compose/extension.go). The docs write to-pod; the
// code reads toPod: both are taken.
var teleTypes = []teleType{
	{"connect", Local, nil},
	{"proxy", Remote, []string{"name", "ports"}},
	{"ingest", Ingest, []string{"name", "container", "toPod", "to-pod"}},
	{"intercept", InterceptHandler, []string{"name", "workload", "service", "ports", "toPod", "to-pod", "httpFilters", "metadata",
		"httpPaths", "httpPathPrefixes", "httpPathRegexps"}},
	{"replace", Replace, []string{"name", "container", "ports", "toPod", "to-pod"}},
	{"wiretap", Wiretap, []string{"name", "service", "ports", "httpFilters", "metadata", "httpPaths", "httpPathPrefixes", "httpPathRegexps"}},
}

// teleType is one of x-tele's types.
type teleType struct {
	name     string
	behavior Behavior
	keys     []string
}

// parseServiceExtensions reads a service's intent from x-telepresence or
// x-tele; declared is false when it has neither (or a mistake).
func parseServiceExtensions(service string, ext map[string]any, errs *Errors) (ServiceIntent, bool) {
	tp, hasTP := ext[ExtensionKey]
	tele, hasTele := ext[TeleKey]
	switch {
	case hasTP && hasTele:
		*errs = append(*errs, &IntentError{Service: service, Key: TeleKey,
			Problem: "the service declares both x-telepresence and x-tele", Hint: "keep one of them: a service has one behaviour"})
		return ServiceIntent{}, false
	case hasTP:
		return parseService(service, tp, errs)
	case hasTele:
		return parseTeleService(service, tele, errs)
	}
	return ServiceIntent{}, false
}

// parseTeleService reads a service's x-tele: its type, and the keys of
// that type. A name defaults to the compose service's, as upstream.
func parseTeleService(service string, raw any, errs *Errors) (ServiceIntent, bool) {
	si := ServiceIntent{Behavior: Local, Source: "file", Block: TeleKey}
	d := decoder{service: service, key: TeleKey, errs: errs}
	m, ok := d.mapping(raw)
	if !ok {
		return si, false
	}
	before := len(*errs)
	typ, ok := d.teleType(m["type"])
	if !ok {
		return si, false
	}
	si.Behavior, si.Cluster = typ.behavior, typ.name == "connect"
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch {
		case k == "type":
		case k == "connection":
			si.Connection = sub.str(m[k])
		case !slices.Contains(typ.keys, k):
			sub.unknown("type, connection" + strings.Join(append([]string{""}, typ.keys...), ", ") + " (for type " + typ.name + ")")
		case typ.behavior == Remote:
			sub.proxyKey(k, m[k], &si.Mapping)
		default:
			sub.attachKey(k, m[k], &si.Attach, typ.behavior == Replace || typ.behavior == Ingest)
		}
	}
	if si.Behavior.Attaches() && si.Behavior != Replace && si.Behavior != Ingest && si.Attach.Name == "" {
		si.Attach.Name = service
	}
	if (si.Behavior == Replace || si.Behavior == Ingest) && si.Attach.Workload == "" {
		si.Attach.Workload = service
	}
	return si, len(*errs) == before
}

// teleType reads x-tele's type, without regard to case as upstream
// (pkg/types/attachment.go ParseAttachmentType).
func (d decoder) teleType(raw any) (teleType, bool) {
	sub := d.child("type")
	var names []string
	for _, t := range teleTypes {
		names = append(names, t.name)
	}
	if raw == nil {
		d.fail("has no type", "set type: one of "+strings.Join(names, ", "))
		return teleTypes[0], false
	}
	s := sub.str(raw)
	for _, t := range teleTypes {
		if strings.EqualFold(s, t.name) {
			return t, true
		}
	}
	if s != "" {
		sub.fail(fmt.Sprintf("unknown type %q", s), "use one of "+strings.Join(names, ", "))
	}
	return teleTypes[0], false
}

// proxyKey reads a key of an x-tele proxy: the cluster service's name and
// the COMPOSE:CLUSTER ports.
func (d decoder) proxyKey(k string, raw any, mp *Mapping) {
	switch k {
	case "name":
		// Any name the daemon resolves, as Telepresence's compose takes it:
		// a service of the connected namespace, or SERVICE.NAMESPACE.
		mp.Name = d.str(raw)
		d.dnsName(mp.Name)
	case "ports":
		mp.Ports = d.proxyPorts(raw)
	}
}

// parseTeleTop reads the top-level x-tele: connections and mounts.
func parseTeleTop(raw any, in *Intent, errs *Errors) {
	d := decoder{key: TeleKey, errs: errs}
	m, ok := d.mapping(raw)
	if !ok {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "connections":
			in.Connections = sub.connectionList(m[k], teleConnectionKeys)
		case "mounts":
			in.Mounts = sub.mountOverrides(m[k])
		default:
			sub.unknown("connections, mounts")
		}
	}
}

// teleConnectionKeys are x-tele's keys of a connection
// (pkg/client/cli/docker/compose/connection.go): kebab-case, no context.
var teleConnectionKeys = connectionKeys{name: "name", namespace: "namespace", managerNamespace: "manager-namespace",
	mappedNamespaces: "mapped-namespaces", alsoProxy: "also-proxy", neverProxy: "never-proxy"}
