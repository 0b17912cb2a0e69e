package main

import (
	"fmt"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// attachInfo is the Info object an intercept, replace or wiretap prints
// with --detailed-output, from the sample of its kind.
func (e *env) attachInfo(name string, ai fixture.ActiveIntercept, t target) shape {
	v := viewOf(e.fx, name, t.container)
	mount := mountEnabled(ai.Mount)
	switch ai.KindOf() {
	case fixture.KindReplace:
		return e.replaceInfo(name, ai, t, v, mount)
	case fixture.KindWiretap:
		return e.wiretapInfo(name, ai, t, v, mount)
	}
	// intercept-2.20.json (mounts as a list) or, from 2.22,
	// intercept-2.27.json (mounts as a path -> policy map).
	file := sampleInterceptList
	if e.rel.mountPolicies() {
		file = sampleInterceptPolicies
	}
	return e.fillInfo(loadSample(file), name, ai.ID, v, mount, false)
}

// replaceInfo follows replace-2.31.json: the intercept's Info with
// replace: true, the container it replaced and the ports it took.
func (e *env) replaceInfo(name string, ai fixture.ActiveIntercept, t target, v podView, mount bool) shape {
	s := e.fillInfo(loadSample(sampleReplace), name, ai.ID, v, mount, false)
	return s.set("workload_kind", t.w.KindName()).set("target_host", address(ai)).
		set("pod_ports", portList(t)).set("container_name", t.container.Name).set("replace", true)
}

// wiretapInfo follows wiretap-2.31.json: the intercept's Info with wiretap:
// true, mounts read-only (release notes 2.23.0: "a wiretap will always
// enforce read-only status on all volume mounts"), and its filters (keys
// left out without: omitempty).
func (e *env) wiretapInfo(name string, ai fixture.ActiveIntercept, t target, v podView, mount bool) shape {
	s := e.fillInfo(loadSample(sampleWiretap), name, ai.ID, v, mount, true)
	pm := t.ports[0]
	s.set("workload_kind", t.w.KindName()).set("target_host", address(ai)).set("target_port", pm.local).
		set("service_uid", uuid()).set("port_id", t.svcPort.ID()).set("container_name", t.portContainer).
		set("container_port", pm.port.Port).set("wiretap", true)
	if desc := filterDesc(ai); desc != "" {
		headers := map[string]any{}
		for _, h := range ai.Headers {
			k, val := splitHeader(h)
			headers[k] = val
		}
		s.set("filter_desc", desc).set("header_filters", headers).set("path_filters", strList(pathFilters(ai)))
		if len(ai.Headers) == 0 {
			delete(s, "header_filters")
		}
		if len(pathFilters(ai)) == 0 {
			delete(s, "path_filters")
		}
	} else {
		delete(s, "filter_desc")
		delete(s, "header_filters")
		delete(s, "path_filters")
	}
	return s
}

// pathFilters lists the path filters as the sample spells them
// ("prefix:/api").
func pathFilters(ai fixture.ActiveIntercept) []string {
	var out []string
	for _, p := range ai.PathEqual {
		out = append(out, "equal:"+p)
	}
	for _, p := range ai.PathPrefix {
		out = append(out, "prefix:"+p)
	}
	for _, p := range ai.PathRegex {
		out = append(out, "regex:"+p)
	}
	return out
}

// filterDesc describes the filters like the sample's filter_desc ("" for
// none).
func filterDesc(ai fixture.ActiveIntercept) string {
	var parts []string
	for _, p := range pathFilters(ai) {
		kind, path, _ := strings.Cut(p, ":")
		parts = append(parts, fmt.Sprintf("path-%s %s", kind, path))
	}
	if len(ai.Headers) > 0 {
		var hs []string
		for _, h := range ai.Headers {
			k, v := splitHeader(h)
			hs = append(hs, fmt.Sprintf("'%s: %s'", k, v))
		}
		parts = append(parts, "headers\n  "+strings.Join(hs, "\n  "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "HTTP requests with " + strings.Join(parts, " and ")
}

// splitHeader reads a header filter as the stand-in keeps it, KEY=VALUE
// (filterFlags).
func splitHeader(h string) (key, value string) {
	key, value, _ = strings.Cut(h, "=") // filterFlags keeps them KEY=VALUE, as the CLI parsed them
	return key, value
}
