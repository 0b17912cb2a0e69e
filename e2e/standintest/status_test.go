package standintest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// siPortBindings returns a container's published ports as "PORT/tcp ->
// IP:HOSTPORT" lines.
func siPortBindings(t *testing.T, container string) []string {
	t.Helper()
	out, err := dockerCmd("inspect", "-f", "{{json .HostConfig.PortBindings}}", container)
	if err != nil {
		t.Fatal(err)
	}
	var pb map[string][]struct{ HostIp, HostPort string }
	if err := json.Unmarshal([]byte(out), &pb); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for port, bs := range pb {
		for _, b := range bs {
			lines = append(lines, fmt.Sprintf("%s -> %s:%s", port, b.HostIp, b.HostPort))
		}
	}
	return lines
}

// siNetworks returns the networks a container is attached to.
func siNetworks(t *testing.T, container string) string {
	t.Helper()
	out, err := dockerCmd("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", container)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// siStatusSample is the sample of a Teleroute release's status.
func siStatusSample(r standinRelease) string {
	if r.minor >= 31 {
		return "status-2.31-teleroute.json"
	}
	return "status-2.27-teleroute.json"
}

// siStatusOptional are the keys of status-2.31-teleroute.json that status
// leaves out when there is nothing to list.
var siStatusOptional = []string{".daemon.ingests", ".daemon.replacements", ".daemon.wiretaps"}

func TestStandinStatus(t *testing.T) {
	t.Parallel()
	siForReleases(t, func(t *testing.T, e *Env, r standinRelease) {
		e.WriteFixture(Fixture{DNSMappings: []Mapping{{Name: "postgres", AliasFor: "psql.big-data"}}})
		notRunning := "status-not-running-2.20.json"
		if r.teleroute {
			notRunning = "status-not-running-2.27.json"
		}
		if got := siTPJSON(t, e, "status", "--output", "json"); !reflect.DeepEqual(got, siSample(t, notRunning)) {
			t.Errorf("status before connect: %v, want %s", got, notRunning)
		}

		siTP(t, e, "connect", "--docker", "--context", e.Project, "--namespace", "ns1", "--mapped-namespaces", "ns1,big-data")
		name := e.Project + "-ns1"
		siTP(t, e, "intercept", "echo", "--port", "8088")
		st := siTPJSON(t, e, "status", "--output", "json")
		d := siDaemon(t, st)
		port := fmt.Sprint(d["daemon_port"])
		want := map[string]any{"name": name, "running": true, "in_docker": true, "status": "Connected",
			"kubernetes_context": e.Project, "namespace": "ns1",
			"intercepts": []any{map[string]any{"name": "echo", "client": "standin@e2e"}}}
		tmVersion := r.rel
		if r.teleroute {
			siAssertShape(t, st, siStatusSample(r), siStatusOptional...)
			want["container_network"] = "tp-" + name
			want["version"] = r.rel
			want["mapped_namespaces"] = []any{"ns1", "big-data"}
			want["subnets"] = []any{fixture.DefaultSubnets[0], fixture.DefaultSubnets[1]}
			siCheckTelerouteDaemon(t, name, port, d)
		} else {
			siAssertShape(t, st, "status-2.20-netns.json")
			want["container_network"] = "container:tp-" + name
			tmVersion = "v" + r.rel
			siCheckNetnsDaemon(t, name, port)
		}
		for k, v := range want {
			if !reflect.DeepEqual(d[k], v) {
				t.Errorf("status daemon.%s = %v, want %v", k, d[k], v)
			}
		}
		if _, ok := d["exposedPorts"]; ok {
			t.Errorf("exposedPorts without --expose: %v", d["exposedPorts"])
		}
		if tm := st["traffic_manager"].(map[string]any); tm["version"] != tmVersion {
			t.Errorf("traffic_manager.version = %v, want %s", tm["version"], tmVersion)
		}

		siTP(t, e, "quit")
		// The shared "telepresence" network is the harness's: it stays.
		if left := siLeftOnEngine([]string{"tp-" + name, "tp-" + name + "-cluster"}, []string{name}); len(left) > 0 {
			t.Errorf("quit left %v", left)
		}
		if got := siTPJSON(t, e, "status", "--output", "json"); !reflect.DeepEqual(got, siSample(t, notRunning)) {
			t.Errorf("status after quit: %v", got)
		}
	})
}

// siCheckNetnsDaemon checks a netns daemon on the engine: on the
// "telepresence" network, its gRPC port published 1:1 on 127.0.0.1.
func siCheckNetnsDaemon(t *testing.T, name, port string) {
	t.Helper()
	if got := siPortBindings(t, "tp-"+name); !reflect.DeepEqual(got, []string{port + "/tcp -> 127.0.0.1:" + port}) {
		t.Errorf("netns gRPC port: %v, want %s published 1:1 on 127.0.0.1", got, port)
	}
	if got := siNetworks(t, "tp-"+name); got != tpNetwork {
		t.Errorf("netns daemon networks: %q, want %s", got, tpNetwork)
	}
}

// siCheckTelerouteDaemon checks a Teleroute daemon on the engine: on the
// default bridge and its Teleroute network (internal, labelled with the
// daemon's ID, with the cluster service on it), gRPC 4038 published on
// 127.0.0.1:daemon_port, and its DNS address in status.
func siCheckTelerouteDaemon(t *testing.T, name, port string, d map[string]any) {
	t.Helper()
	if got := siPortBindings(t, "tp-"+name); !reflect.DeepEqual(got, []string{"4038/tcp -> 127.0.0.1:" + port}) {
		t.Errorf("Teleroute gRPC port: %v, want 4038/tcp on 127.0.0.1:%s", got, port)
	}
	if got, want := siNetworks(t, "tp-"+name), "bridge "+name; got != want {
		t.Errorf("daemon networks: %q, want %q", got, want)
	}
	id, _ := dockerCmd("inspect", "-f", "{{.Id}}", "tp-"+name)
	out, err := dockerCmd("network", "inspect", "-f",
		fmt.Sprintf(`{{.Internal}} {{index .Labels %q}} {{range .Containers}}{{.Name}} {{end}}`, fixture.TelerouteLabel), name)
	if err != nil {
		t.Fatalf("no Teleroute network: %v", err)
	}
	f := strings.Fields(out)
	if len(f) < 2 || f[0] != "true" || f[1] != id {
		t.Errorf("Teleroute network %s: internal and label %s: %q, want true %s", name, fixture.TelerouteLabel, out, id)
	}
	if !strings.Contains(out, " tp-"+name+"-cluster") {
		t.Errorf("no cluster service on the Teleroute network: %q", out)
	}
	ip, _ := dockerCmd("inspect", "-f", fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, name), "tp-"+name)
	dns := d["dns"].(map[string]any)
	if got := dns["local_addresses"]; !reflect.DeepEqual(got, []any{ip + ":53"}) {
		t.Errorf("dns.local_addresses = %v, want [%s:53]", got, ip)
	}
	if got, want := dns["mappings"], []any{map[string]any{"name": "postgres", "aliasFor": "psql.big-data"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("dns.mappings = %v, want %v", got, want)
	}
}

// Teleroute without routed subnets: no network, "default bridge".
func TestStandinNoSubnets(t *testing.T) {
	t.Parallel()
	for _, rel := range []string{fixture.Release227, fixture.Release230} {
		t.Run(rel, func(t *testing.T) {
			e := newEnvAt(t, rel)
			e.WriteFixture(Fixture{NoSubnets: true, DaemonName: e.Project})
			siTP(t, e, "connect", "--docker")
			st := siTPJSON(t, e, "status", "--output", "json")
			siAssertShape(t, st, "status-2.27-no-subnets.json")
			d := siDaemon(t, st)
			if d["container_network"] != "default bridge" || !reflect.DeepEqual(d["subnets"], []any{}) {
				t.Errorf("container_network %v, subnets %v; want default bridge, []", d["container_network"], d["subnets"])
			}
			ip, _ := dockerCmd("inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", "tp-"+e.Project)
			if got := d["dns"].(map[string]any)["local_addresses"]; !reflect.DeepEqual(got, []any{ip + ":53"}) {
				t.Errorf("dns.local_addresses = %v, want the bridge address %s:53", got, ip)
			}
			if left := siLeftOnEngine([]string{"tp-" + e.Project + "-cluster"}, []string{e.Project}); len(left) > 0 {
				t.Errorf("made %v although no subnet is routed", left)
			}
			siTP(t, e, "quit")
			if left := siLeftOnEngine([]string{"tp-" + e.Project}, nil); len(left) > 0 {
				t.Errorf("quit left %v", left)
			}
		})
	}
}

// --output and --format, per release.
func TestStandinOutputFlags(t *testing.T) {
	t.Parallel()
	siForReleases(t, func(t *testing.T, e *Env, r standinRelease) {
		_, stderr, err := e.Telepresence("status", "--output", "json")
		deprecated := strings.Contains(stderr, "Flag --output has been deprecated, use --format instead")
		if err != nil || deprecated != (r.minor >= 29) {
			t.Errorf("status --output json: %v, stderr %q", err, stderr)
		}
		out, stderr := siTPFails(t, e, "intercept", "echo", "--port", "8080", "--output", "json")
		env := siObject(t, out)
		siAssertShape(t, env, "intercept-error.json")
		if env["cmd"] != "intercept" || !strings.Contains(fmt.Sprint(env["err"]), "not connected") {
			t.Errorf("failure with --output json: %v (stderr %q)", env, stderr)
		}
		if r.minor < 29 {
			if _, stderr := siTPFails(t, e, "status", "--format", "json"); !strings.Contains(stderr, "unknown flag: --format") {
				t.Errorf("--format before 2.29: %q", stderr)
			}
			return
		}
		if _, stderr := siTPFails(t, e, "status", "--format", "json", "--output", "json"); !strings.Contains(stderr, "cannot be used together") {
			t.Errorf("--format with --output: %q", stderr)
		}
		siTPJSON(t, e, "status", "--format", "json")
		out, _ = siTPFails(t, e, "intercept", "echo", "--port", "8080", "--format", "json")
		if got := siObject(t, out); len(got) != 1 || !strings.Contains(fmt.Sprint(got["error"]), "not connected") {
			t.Errorf("failure with --format json: %q, want {\"error\": ...}", out)
		}
		if got := siTPJSON(t, e, "version", "--format", "json"); got["client"] != "v"+r.rel {
			t.Errorf("version --format json: %v", got)
		}
	})
}

// status lists attachments as the release does: by kind from 2.27, each
// list left out when empty (pkg/client/cli/cmd/status.go at v2.27.4);
// before, intercepts, replaces and wiretaps under "intercepts" and no
// ingests.
func TestStandinStatusKinds(t *testing.T) {
	t.Parallel()
	for _, rel := range []string{fixture.Release222, fixture.Release227, fixture.Release231} {
		t.Run(rel, func(t *testing.T) {
			r, e := siRelease(rel), newEnvAt(t, rel)
			e.WriteFixture(Fixture{DaemonName: e.Project, Workloads: siWorkloads})
			siTP(t, e, "connect", "--docker")
			siTP(t, e, "intercept", "web", "--port", "8088:http")
			siTP(t, e, "replace", "solo")
			siTP(t, e, "ingest", "web", "--container", "sidecar")
			if r.minor >= 23 {
				siTP(t, e, "wiretap", "tap", "-w", "web", "--port", "8089:admin")
			}
			siAssertStatusKinds(t, e, r)
			siTP(t, e, "leave", "web")
			siTP(t, e, "leave", "solo")
			if r.minor >= 27 { // every list left out when empty, the wiretap's and the ingest's stay
				d := siDaemon(t, siTPJSON(t, e, "status", "--output", "json"))
				_, replacements := d["replacements"]
				_, intercepts := d["intercepts"]
				if replacements || intercepts || d["wiretaps"] == nil || d["ingests"] == nil {
					t.Errorf("%s status after leaving the intercept and the replace: %v", rel, d)
				}
			}
			siQuit(t, e)
		})
	}
}

// siAssertStatusKinds checks the attachments status lists after
// TestStandinStatusKinds made one of each kind.
func siAssertStatusKinds(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	st := siTPJSON(t, e, "status", "--output", "json")
	d := siDaemon(t, st)
	item := func(names ...string) []any {
		l := []any{}
		for _, n := range names {
			l = append(l, map[string]any{"name": n, "client": "standin@e2e"})
		}
		return l
	}
	want := map[string]any{"intercepts": item("solo", "tap", "web")}
	switch {
	case !r.teleroute:
		siAssertShape(t, st, "status-2.20-netns.json", ".daemon.dns.mappings")
		want["intercepts"] = item("solo", "web")
	default:
		ingestDir := e.State().Connections[e.Project].Ingests["web/sidecar"].LocalDir
		want = map[string]any{"intercepts": item("web"), "replacements": item("solo"), "wiretaps": item("tap"),
			"ingests": []any{map[string]any{"workload": "web", "container": "sidecar", "mount": ingestDir}}}
		if r.minor >= 31 {
			siAssertShape(t, st, "status-2.31-teleroute.json")
			want["tunnel_transport"] = "grpc"
		} else {
			siAssertShape(t, st, "status-2.27-teleroute.json", ".daemon.replacements", ".daemon.wiretaps", ".daemon.ingests")
		}
	}
	for _, k := range []string{"intercepts", "replacements", "wiretaps", "ingests", "tunnel_transport"} {
		if !reflect.DeepEqual(d[k], want[k]) {
			t.Errorf("status daemon.%s = %v, want %v", k, d[k], want[k])
		}
	}
}
