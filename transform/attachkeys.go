package transform

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The keys an attachment takes, by behaviour, in x-telepresence's blocks
// (intercept:, ingest:, replace:, wiretap:). Each is a key the command of
// that kind has a flag for (docs/attachments.md).
var telepresenceKeys = map[Behavior][]string{
	InterceptHandler: {"name", "workload", "service", "container", "port", "ports", "toPod", "httpHeaders", "httpFilters",
		"httpPaths", "httpPathPrefixes", "httpPathRegexps", "metadata", "mount"},
	Wiretap: {"name", "workload", "service", "container", "port", "ports", "httpHeaders", "httpFilters",
		"httpPaths", "httpPathPrefixes", "httpPathRegexps", "mount"},
	Replace: {"workload", "container", "port", "ports", "toPod", "mount"},
	Ingest:  {"workload", "container", "toPod", "mount"},
}

// blockOf is the x-telepresence block of a behaviour's attachment keys.
func blockOf(b Behavior) string {
	if b == InterceptHandler {
		return "intercept"
	}
	return string(b)
}

// attachKey reads one key of an attachment into spec. In x-tele, the name
// of a replace or an ingest is its workload (nameIsWorkload).
func (d decoder) attachKey(k string, raw any, spec *AttachSpec, nameIsWorkload bool) {
	switch k {
	case "name":
		if nameIsWorkload {
			spec.Workload = d.str(raw)
			d.dnsName(spec.Workload)
			return
		}
		spec.Name = d.str(raw)
		d.dnsName(spec.Name)
	case "workload":
		spec.Workload = d.str(raw)
		d.dnsName(spec.Workload)
	case "service":
		spec.Service = d.str(raw)
		d.dnsLabel(spec.Service, "a Kubernetes service name")
	case "container":
		spec.Container = d.str(raw)
		d.dnsLabel(spec.Container, "a container name")
	case "port":
		if p, ok := d.port(raw); ok {
			spec.Ports = []string{p}
		}
	case "ports":
		spec.Ports = d.portList(raw)
	case "toPod", "to-pod":
		spec.ToPod = d.toPodList(raw)
	default:
		d.filterKey(k, raw, spec)
	}
}

// filterKey reads the HTTP filters, metadata and mount of an attachment.
func (d decoder) filterKey(k string, raw any, spec *AttachSpec) {
	switch k {
	case "httpHeaders":
		spec.HTTP.Headers = append(spec.HTTP.Headers, d.headerList(raw)...)
	case "httpFilters":
		m := d.strMap(raw)
		for _, h := range slices.Sorted(maps.Keys(m)) {
			if d.child(h).passes(h, m[h]) {
				spec.HTTP.Headers = append(spec.HTTP.Headers, h+"="+m[h])
			}
		}
	case "httpPaths":
		spec.HTTP.Paths = d.pathList(d.strList(raw))
	case "httpPathPrefixes":
		spec.HTTP.PathPrefixes = d.pathList(d.strList(raw))
	case "httpPathRegexps":
		spec.HTTP.PathRegexps = d.pathList(d.regexpList(raw))
	case "metadata":
		spec.Metadata = d.strMap(raw)
		for _, k := range slices.Sorted(maps.Keys(spec.Metadata)) {
			d.child(k).passes(k, spec.Metadata[k])
		}
	case "mount":
		if b, ok := d.boolean(raw); ok {
			spec.Mount = &b
		}
	}
}

// portList reads a list of ports, each a string or a number.
func (d decoder) portList(raw any) []string {
	return listOf(d, raw, `a list of "<local port>[:<remote port name or number>]"`, decoder.port)
}

// toPodList reads the ports of the pod a handler reaches: PORT[/TCP|/UDP].
func (d decoder) toPodList(raw any) []string {
	return listOf(d, raw, `a list of "<port>[/UDP]"`, func(sub decoder, item any) (string, bool) {
		s, ok := scalar(item)
		if !ok {
			sub.wrongType(`"<port>[/UDP]"`, item)
			return "", false
		}
		port, proto, _ := strings.Cut(s, "/")
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || proto != "" && !isProtocol(proto) {
			sub.fail(fmt.Sprintf("%q is not a port from 1 to 65535, with /TCP or /UDP", s), `write "8081" or "5353/UDP"`)
			return "", false
		}
		return s, true
	})
}

// regexpList reads regular expressions, each checked as Go compiles it
// (Telepresence's traffic-agent is Go).
func (d decoder) regexpList(raw any) []string {
	list := d.strList(raw)
	for i, re := range list {
		if _, err := compileRegexp(re); err != nil {
			d.child(strconv.Itoa(i)).fail(fmt.Sprintf("%q is not a regular expression: %v", re, err), "write it as Go's regexp package reads it")
		}
	}
	return list
}

// strMap reads a mapping of strings (numbers and booleans are taken as
// written, as compose-go reads environment values).
func (d decoder) strMap(raw any) map[string]string {
	m, ok := d.mapping(raw)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, ok := scalar(m[k])
		if !ok {
			d.child(k).wrongType("a string", m[k])
			continue
		}
		out[k] = v
	}
	return out
}

// scalar is a string, number or boolean as text.
func scalar(raw any) (string, bool) {
	switch v := raw.(type) {
	case string:
		return v, true
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v), true
	}
	return "", false
}

func isProtocol(p string) bool { return strings.EqualFold(p, "tcp") || strings.EqualFold(p, "udp") }
