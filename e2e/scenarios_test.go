package e2e

import (
	"slices"
	"strings"
	"testing"
)

// Scenario 1: a handler, a local service and a remote one, `up -d`, in
// each model.
func TestHandlerLocalRemote(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		e.WriteFixture(Fixture{
			Intercepts:      map[string]InterceptFixture{"echo-server": {Environment: map[string]string{"MODE": "cluster", "DB_HOST": "psql"}}},
			ClusterServices: []string{"postgres.default"},
		})
		headers, send := "", []string(nil)
		if e.teleroute() {
			headers = "\n        httpHeaders: [\"x-dev=alice\"]" // --http-header needs 2.25
			send = []string{"--header", "x-dev=alice"}           // only such requests reach the handler
		}
		dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    environment:
      MODE: local
    ports: ["127.0.0.1:0:8088"]
    x-telepresence:
      behavior: interceptHandler
      intercept:
        workload: echo-server
        port: "8088:http"` + headers + `
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on:
      postgres: {condition: service_started}
  postgres:
    image: no-such-image-is-ever-pulled:1
    depends_on: [echo]
    x-telepresence: {behavior: remote}
`})
		e.MustRun(ctx(t), dir, "up", "-d")
		echo := e.container("echo")
		assertHandlerEnv(t, e, echo, "MODE=local", "DB_HOST=psql", "TELEPRESENCE_CONTAINER=echo-server")
		if containers := e.ContainersOfProject(); slices.Contains(containers, e.container("postgres")) {
			t.Errorf("the remote service has a container: %v", containers)
		}
		if !e.Running(e.container("web")) {
			t.Errorf("the local service that depended on the remote one is not running")
		}
		assertHandlerServes(t, e, echo, send)
		assertScenario1Calls(t, e)
		if !e.teleroute() {
			daemonID := e.Inspect("{{.Id}}", e.DaemonContainer())
			if mode := e.Inspect("{{.HostConfig.NetworkMode}}", echo); mode != "container:"+daemonID {
				t.Errorf("handler network mode = %q, want the daemon container %s", mode, daemonID)
			}
			return
		}
		assertOnTeleroute(t, e, echo, "tp-"+e.Project+"-echo", e.container("web"))
	})
}

// assertHandlerEnv checks that the handler's environment has each entry.
func assertHandlerEnv(t *testing.T, e *Env, handler string, want ...string) {
	t.Helper()
	env, err := e.Exec(handler, "env")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !slices.Contains(strings.Fields(env), w) {
			t.Errorf("handler environment lacks %s:\n%s", w, env)
		}
	}
}

// assertHandlerServes checks that scenario 1's handler answers on this
// host, to web by its service name, and to the traffic the daemon sends.
func assertHandlerServes(t *testing.T, e *Env, echo string, send []string) {
	t.Helper()
	// The handler's port on this host: published by the daemon (netns),
	// by the handler itself (Teleroute), on a port the engine chose.
	publisher := echo
	if !e.teleroute() {
		publisher = e.DaemonContainer()
	}
	addr := "127.0.0.1:" + e.HostPort(publisher, 8088)
	status, body, err := e.HTTPGet(addr, "/")
	if err != nil || status != 200 || body != "mode=local db=psql\n" {
		t.Errorf("GET %s (published by %s) = %d %q, %v", addr, publisher, status, body, err)
	}
	var byName string
	eventually(t, patience, "web reaches echo by its service name", func() bool {
		byName, _ = e.HTTPFrom(e.container("web"), "echo", 8088)
		return strings.Contains(byName, "mode=local db=psql")
	})
	if got, err := e.sendTraffic("echo-server", send...); err != nil || got != "mode=local db=psql" {
		t.Errorf("traffic the daemon sends to the intercept = %q, %v; want the handler's answer", got, err)
	}
}

// assertScenario1Calls checks the intercept and connect scenario 1 asked
// for, in the Env's model.
func assertScenario1Calls(t *testing.T, e *Env) {
	t.Helper()
	intercept := []string{"intercept", "echo-server", "--port", "8088:http", "--detailed-output", "--output", "json"}
	if e.teleroute() {
		intercept = []string{"intercept", "echo-server", "--port", "8088:http", "--address", "tp-" + e.Project + "-echo",
			"--http-header", `"x-dev:alice"`, "--detailed-output", "--output", "json"}
	}
	if calls := e.interceptCalls(); len(calls) != 1 || !slices.Equal(calls[0], intercept) {
		t.Errorf("intercept calls = %q, want one %q", calls, intercept)
	}
	connects := e.callsOf("connect")
	if exposes := len(connects) == 1 && containsSeq(connects[0], "--expose", "127.0.0.1:0:8088"); len(connects) != 1 || exposes == e.teleroute() {
		t.Errorf("connect calls = %q: the daemon exposes the handler's port in the netns model only", connects)
	}
}

// assertOnTeleroute checks, in the Teleroute model, that the handler keeps
// its network and joins the daemon's under its intercept address, and that
// it and the other containers resolve through the daemon's DNS and reach
// the remote postgres by its compose name.
func assertOnTeleroute(t *testing.T, e *Env, handler, alias string, others ...string) {
	t.Helper()
	onTeleroute := func(n string) bool {
		network, aliases, _ := strings.Cut(n, ":")
		return network == e.telerouteNetwork() && slices.Contains(strings.Split(aliases, ","), alias)
	}
	if nets := e.networksOf(handler); !slices.ContainsFunc(nets, onTeleroute) || len(nets) != 2 {
		t.Errorf("handler networks = %v, want the project's and %s with the alias %s", nets, e.telerouteNetwork(), alias)
	}
	dns := e.daemonIP(e.telerouteNetwork())
	for _, c := range append([]string{handler}, others...) {
		if got := e.Inspect("{{.HostConfig.Dns}} {{.HostConfig.DnsSearch}}", c); got != "["+dns+"] [tel2-search]" {
			t.Errorf("%s: dns, dns_search = %s, want [%s] [tel2-search]", c, got, dns)
		}
		if out, err := e.HTTPFrom(c, "postgres", 80); err != nil || !strings.Contains(out, ClusterReply) {
			t.Errorf("%s does not reach the remote postgres by its compose name: %q, %v", c, out, err)
		}
	}
}

// assertFiles checks the content of files in a container.
func assertFiles(t *testing.T, e *Env, container string, files map[string]string) {
	t.Helper()
	for path, want := range files {
		if got, err := e.Exec(container, "cat "+path); err != nil || got != want {
			t.Errorf("%s: %s = %q (%v), want %q", container, path, got, err, want)
		}
	}
}

// assertVolumePolicies checks scenario 2's mounts: the RemoteReadOnly
// path is read-only where policies exist, the compose volume at a Local
// path works, the mapped handler sees its own container's volume, and
// mount: false mounts nothing of Telemount.
func assertVolumePolicies(t *testing.T, e *Env, secrets string, policies bool) {
	t.Helper()
	_, err := e.Exec(e.container("echo"), "touch "+secrets+"/written")
	if readOnly := err != nil; readOnly != policies {
		t.Errorf("%s read-only = %v, want %v (RemoteReadOnly)", secrets, readOnly, policies)
	}
	if got, err := e.Exec(e.container("echo"), "echo kept > /tmp/cache/f && cat /tmp/cache/f"); err != nil || got != "kept" {
		t.Errorf("the compose volume at a Local path does not work: %q %v", got, err)
	}
	if got, err := e.Exec(e.container("mapped"), "cat /config/container; echo; cat /config/port"); err != nil || got != "app\n4000" {
		t.Errorf("mapped: %q %v", got, err)
	}
	if mounts := e.Inspect(`{{range .Mounts}}{{.Driver}}:{{.Destination}} {{end}}`, e.container("nomount")); strings.Contains(mounts, telemountDriver) {
		t.Errorf("mount: false still mounted Telemount volumes: %s", mounts)
	}
}

// Scenario 2: the pod's volumes through the Telemount driver, with the
// mount policies of 2.22 and newer, in each model.
func TestVolumes(t *testing.T) {
	parallel(t) // each subtest has an Env of its own
	for _, m := range append(models, model{"netns-policies", Release222}) {
		t.Run(m.name, func(t *testing.T) {
			e := newEnvAt(t, m.release)
			policies := e.Release != Release220
			e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{
				"echo": {Mounts: []string{"/etc/podinfo", "/tmp/cache", "/var/log/app", "/var/run/secrets/kubernetes.io"}, MountPort: 34439,
					Policies: map[string]string{"/tmp/cache": "Local", "/var/log/app": "Ignore", "/var/run/secrets/kubernetes.io": "RemoteReadOnly"}},
				"mapped":  {Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"}, Mounts: []string{"/config"}, MountPort: 4000},
				"nomount": {Mounts: []string{"/secrets"}},
			}})
			dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    volumes:
      - local-secrets:/var/run/secrets/kubernetes.io
      - cache:/tmp/cache
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8088"}
  mapped:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8089"}
  nomount:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8090", mount: false}
volumes:
  local-secrets: {}
  cache: {}
`})
			e.AllowLeft("volume "+e.Project+"_local-secrets", "volume "+e.Project+"_cache") // down keeps named volumes
			e.MustRun(ctx(t), dir, "up", "-d")
			// The Telemount plugin on the host reaches the daemon on its network
			// (netns) or on the default bridge (Teleroute).
			hostNetwork := tpNetwork
			if e.teleroute() {
				hostNetwork = "bridge"
			}
			host := e.daemonIP(hostNetwork)
			secrets := "/var/run/secrets/kubernetes.io"
			files := map[string]string{
				secrets + "/dir": secrets, secrets + "/port": "34439", secrets + "/container": "echo", secrets + "/host": host,
				"/etc/podinfo/dir": "/etc/podinfo",
			}
			assertFiles(t, e, e.container("echo"), files)
			assertVolumePolicies(t, e, secrets, policies)
			telemount, err := dockerCmd("volume", "ls", "-q", "--filter", "driver="+telemountDriver, "--filter", "label=com.docker.compose.project="+e.Project)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Fields(telemount)
			slices.Sort(got)
			want := []string{e.Project + "_app-0", e.Project + "_echo-0", e.Project + "_echo-1", e.Project + "_echo-2", e.Project + "_echo-3"}
			if policies { // Local and Ignore paths get none
				want = []string{e.Project + "_app-0", e.Project + "_echo-0", e.Project + "_echo-3"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("Telemount volumes = %v, want %v", got, want)
			}
		})
	}
}

// Scenario 3: a handler on a custom network, reached by name and alias.
func TestHandlerOnCustomNetwork(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    networks:
      green:
        aliases: [echo-green]
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8088", mount: false}
  client:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    networks: [green]
networks:
  green: {}
`})
		e.MustRun(ctx(t), dir, "up", "-d")
		network := e.Project + "_green"
		// netns: the daemon joins the network for the handler; Teleroute: the
		// handler stays on it.
		on := e.DaemonContainer()
		if e.teleroute() {
			on = e.container("echo")
		}
		if attached := e.networksOf(on); !slices.ContainsFunc(attached, func(n string) bool { return strings.HasPrefix(n, network+":") }) {
			t.Fatalf("%s is not attached to %s: %s", on, network, attached)
		}
		for _, name := range []string{"echo", "echo-green"} {
			out, err := e.HTTPFrom(e.container("client"), name, 8088)
			if err != nil || !strings.Contains(out, "mode=") {
				t.Errorf("client reaches the handler as %q: %q %v", name, out, err)
			}
		}
	})
}

// Scenario 4: remote services with a DNS mapping, from the file and a
// flag, merged with the daemon's own (where status shows them).
func TestRemoteMapping(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		e.WriteFixture(Fixture{
			DNSMappings:     []Mapping{{Name: "users", AliasFor: "users.default"}},
			ClusterServices: []string{"psql.big-data", "redis.default"},
		})
		dir := e.WriteProject(map[string]string{"compose.yaml": `
x-telepresence: {namespace: default}
services:
  web:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on: [postgres, cache]
  postgres:
    image: never-pulled:1
    x-telepresence:
      behavior: remote
      mapping: {name: psql, namespace: big-data}
  cache:
    image: never-pulled:1
`})
		e.MustRun(ctx(t), dir, "up", "-d", "--remote", "cache=redis")
		got := e.DNSMappings()
		slices.SortFunc(got, func(a, b Mapping) int { return strings.Compare(a.Name, b.Name) })
		// The daemon's own mapping is kept: every release reports its
		// mappings in `telepresence status` (2.20 omits them when none).
		want := []Mapping{{Name: "cache", AliasFor: "redis.default"}, {Name: "postgres", AliasFor: "psql.big-data"}, {Name: "users", AliasFor: "users.default"}}
		if !slices.Equal(got, want) {
			t.Errorf("DNS mappings = %v, want %v", got, want)
		}
		if containers := e.ContainersOfProject(); !slices.Equal(containers, []string{e.container("web")}) {
			t.Errorf("containers = %v, want only web", containers)
		}
		if e.teleroute() {
			if out, err := e.HTTPFrom(e.container("web"), "postgres", 80); err != nil || !strings.Contains(out, ClusterReply) {
				t.Errorf("web does not reach postgres through its mapping: %q, %v", out, err)
			}
		}
		e.MustRun(ctx(t), dir, "down")
		if got := e.DNSMappings(); !slices.Equal(got, []Mapping{{Name: "users", AliasFor: "users.default"}}) {
			t.Errorf("after down the daemon maps %v, want only its own", got)
		}
	})
}
