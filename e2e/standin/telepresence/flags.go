package main

// The flags of each attachment command, release by release: the 2.31 CLI
// reference (telepresence_<command>.md of telepresence.io) and the release
// that added each flag. The stand-in takes the flags that matter to the
// plugin; the --docker-*, --env-* and other local-process flags are left
// out (a plugin that passes one fails with "unknown flag", which would
// show).

// interceptFlags: `telepresence intercept` (pkg/client/cli/intercept/command.go).
// v2.20.2 has --port, --address, --service, --workload, --mount, --to-pod,
// --detailed-output, --replace (since 2.18; deprecated and hidden from
// 2.22) and a hidden --namespace that only prints a deprecation note;
// --container from 2.21; the HTTP filters and --metadata from 2.25; a
// working --namespace from 2.28; --node-agent from 2.30.
func interceptFlags(r release) flagSpec {
	spec := flagSpec{
		valued:   []string{"port", "address", "service", "workload", "to-pod", "namespace"},
		boolean:  []string{"detailed-output", "replace"},
		optional: []string{"mount"},
		short:    map[string]string{"p": "port", "w": "workload", "n": "namespace"},
	}
	if r.ingest() {
		spec = spec.with([]string{"container"}, nil, nil)
	}
	if r.httpFilters() {
		spec = spec.with(httpFilterFlags, nil, nil).with([]string{"metadata"}, nil, nil)
	}
	if r.nodeAgent() {
		spec = spec.with(nil, []string{"node-agent"}, nil)
	}
	return spec
}

// httpFilterFlags are the HTTP filters of intercept and wiretap (2.25+).
var httpFilterFlags = []string{"http-header", "http-path-equal", "http-path-prefix", "http-path-regex"}

// wiretapFlags: `telepresence wiretap` (2.23+) takes intercept's flags but
// --to-pod, --metadata and --replace; the HTTP filters from 2.25,
// --namespace from 2.28, --node-agent from 2.30.
func wiretapFlags(r release) flagSpec {
	spec := flagSpec{
		valued:   []string{"port", "address", "service", "workload", "container"},
		boolean:  []string{"detailed-output"},
		optional: []string{"mount"},
		short:    map[string]string{"p": "port", "w": "workload"},
	}
	if r.httpFilters() {
		spec = spec.with(httpFilterFlags, nil, nil)
	}
	if r.attachNamespace() {
		spec = spec.with([]string{"namespace"}, nil, map[string]string{"n": "namespace"})
	}
	if r.nodeAgent() {
		spec = spec.with(nil, []string{"node-agent"}, nil)
	}
	return spec
}

// replaceFlags: `telepresence replace` (2.22+): --port (repeatable,
// default "all"), --container (long form only), --address, --to-pod,
// --mount, --detailed-output; --namespace from 2.28. No --node-agent, no
// HTTP filters (the 2.30 and 2.31 CLI references).
func replaceFlags(r release) flagSpec {
	spec := flagSpec{
		valued:   []string{"port", "container", "address", "to-pod"},
		boolean:  []string{"detailed-output"},
		optional: []string{"mount"},
		short:    map[string]string{"p": "port"},
	}
	if r.attachNamespace() {
		spec = spec.with([]string{"namespace"}, nil, map[string]string{"n": "namespace"})
	}
	return spec
}

// ingestFlags: `telepresence ingest` (2.21+, pkg/client/cli/ingest/command.go):
// -c/--container, --to-pod, --mount; -n/--namespace from 2.29,
// --node-agent from 2.30. No --port, --address or --detailed-output.
func ingestFlags(r release) flagSpec {
	spec := flagSpec{
		valued:   []string{"container", "to-pod"},
		optional: []string{"mount"},
		short:    map[string]string{"c": "container"},
	}
	if r.ingestNamespace() {
		spec = spec.with([]string{"namespace"}, nil, map[string]string{"n": "namespace"})
	}
	if r.nodeAgent() {
		spec = spec.with(nil, []string{"node-agent"}, nil)
	}
	return spec
}

// leaveFlags: leave takes no flag in v2.20.2; -c/--container from 2.21
// (pkg/client/cli/cmd/leave.go), -n/--namespace from 2.29. detach (2.30+)
// is the same command under another name (pkg/client/cli/cmd/detach.go).
func leaveFlags(r release) flagSpec {
	spec := flagSpec{}
	if r.ingest() {
		spec = spec.with([]string{"container"}, nil, map[string]string{"c": "container"})
	}
	if r.ingestNamespace() {
		spec = spec.with([]string{"namespace"}, nil, map[string]string{"n": "namespace"})
	}
	return spec
}

// standinSendFlags are standin-send's (a test-only command).
func standinSendFlags(release) flagSpec {
	return flagSpec{valued: []string{"port", "header", "method"}}
}

// standinVanishFlags are standin-vanish's (a test-only command).
func standinVanishFlags(release) flagSpec {
	return flagSpec{valued: []string{"container"}, short: map[string]string{"c": "container"}}
}
