package standintest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// siWeb is a workload with two containers: "app" (ports http 8080 and
// admin 8081, environment and volumes) and "sidecar" (metrics 9090),
// behind the service "web" (http 80, admin 81, metrics 9090); and "solo",
// one container with one port, behind its default service.
var siWorkloads = map[string]fixture.Workload{
	"web": {
		Containers: []fixture.Container{
			{Name: "app", Ports: []fixture.Port{{Name: "http", Port: 8080}, {Name: "admin", Port: 8081}},
				Environment: map[string]string{"DB_HOST": "psql"}, Mounts: []string{"/data", "/secrets"},
				Policies: map[string]string{"/secrets": "RemoteReadOnly"}, MountPort: 4444},
			{Name: "sidecar", Ports: []fixture.Port{{Name: "metrics", Port: 9090}}, Environment: map[string]string{"SIDE": "car"}},
		},
		Services: []fixture.Service{{Name: "web", Ports: []fixture.ServicePort{
			{Name: "http", Port: 80, TargetPort: "http"}, {Name: "admin", Port: 81, TargetPort: "admin"},
			{Name: "metrics", Port: 9090, TargetPort: "metrics"},
		}}},
	},
	"solo": {Kind: "StatefulSet", Containers: []fixture.Container{{Name: "solo", Ports: []fixture.Port{{Name: "http", Port: 8080}}}}},
}

// siFails runs a command that must fail and returns its error message, from
// the release's JSON error shape.
func siFails(t *testing.T, e *Env, r standinRelease, args ...string) string {
	t.Helper()
	out, _ := siTPFails(t, e, append(args, siJSONFlag(r.rel)...)...)
	got := siObject(t, out)
	if r.minor >= 29 {
		return fmt.Sprint(got["error"])
	}
	return fmt.Sprint(got["err"])
}

// siWithout is a deep copy of m without the key at path.
func siWithout(t *testing.T, m map[string]any, path ...string) map[string]any {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	c := siObject(t, string(data))
	at := c
	for _, k := range path[:len(path)-1] {
		at, _ = at[k].(map[string]any)
	}
	delete(at, path[len(path)-1])
	return c
}

// siJSON runs a command with the release's JSON flag and parses its object.
func siJSON(t *testing.T, e *Env, r standinRelease, args ...string) map[string]any {
	t.Helper()
	return siTPJSON(t, e, append(args, siJSONFlag(r.rel)...)...)
}

// siWantMounts is how a release prints /data (Remote) and /secrets
// (RemoteReadOnly): a list before 2.22, a policy map after (misspelt
// before 2.23.4).
func siWantMounts(r standinRelease) any {
	switch {
	case r.minor < 22:
		return []any{"/data", "/secrets"}
	case r.minor < 23:
		return map[string]any{"/data": "Remote", "/secrets": "RemoteReadonly"}
	}
	return map[string]any{"/data": "Remote", "/secrets": "RemoteReadOnly"}
}

// Each attachment command and flag exists from the release that added it,
// prints the sample of its kind, and refuses what the release refuses.
func TestStandinAttachCommands(t *testing.T) {
	t.Parallel()
	siForReleases(t, func(t *testing.T, e *Env, r standinRelease) {
		e.WriteFixture(Fixture{DaemonName: e.Project, Workloads: siWorkloads})
		siTP(t, e, "connect", "--docker")
		siCheckIngest(t, e, r)
		siCheckReplace(t, e, r)
		siCheckWiretap(t, e, r)
		siCheckInterceptFlags(t, e, r)
		siCheckLeaveKinds(t, e, r)
		siQuit(t, e)
	})
}

// siQuit quits the daemons, which ends what the test attached, as the
// harness wants at the end of a test (reportLeftovers).
func siQuit(t *testing.T, e *Env) {
	t.Helper()
	siTP(t, e, "quit")
	if got := e.ActiveIntercepts(); len(got) > 0 {
		t.Errorf("attachments active after quit: %v", got)
	}
}

func siCheckIngest(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	if siRefusedBefore(t, e, r, 21, "ingest", "web") {
		return
	}
	if msg := siFails(t, e, r, "ingest", "web"); !strings.Contains(msg, "several containers") {
		t.Errorf("ingest of a workload with two containers, without --container: %q", msg)
	}
	got := siJSON(t, e, r, "ingest", "web", "--container", "app")
	if r.minor < 22 { // mounts as a list, as 2.21's mount.Info has them
		siAssertShape(t, siWithout(t, got, "mount", "mounts"), "ingest-2.31.json", ".mount.mounts")
	} else {
		siAssertShape(t, got, "ingest-2.31.json")
	}
	env, _ := got["environment"].(map[string]any)
	mount, _ := got["mount"].(map[string]any)
	if got["workload_name"] != "web" || got["container"] != "app" || got["namespace"] != "default" ||
		env["DB_HOST"] != "psql" || env["TELEPRESENCE_CONTAINER"] != "app" || env["TELEPRESENCE_MOUNTS"] != "/data:/secrets" ||
		mount["read_only"] != true || mount["port"] != 4444.0 || !reflect.DeepEqual(mount["mounts"], siWantMounts(r)) {
		t.Errorf("ingest web --container app: %v", got)
	}
	if again := siJSON(t, e, r, "ingest", "web", "--container", "app"); again["mount"].(map[string]any)["local_dir"] != mount["local_dir"] {
		t.Errorf("a second ingest is not the first: %v", again)
	}
	if got := siJSON(t, e, r, "ingest", "web", "-c", "sidecar", "--mount=false"); got["mount"] != nil || got["container"] != "sidecar" {
		t.Errorf("ingest -c sidecar --mount=false: %v", got)
	}
	siCheckFlagFrom(t, e, r, 29, "--namespace", []string{"ingest", "solo", "--namespace", "other"}, func(got map[string]any) bool {
		return got["namespace"] == "other" && got["workload_kind"] == "StatefulSet"
	})
	siCheckFlagFrom(t, e, r, 30, "--node-agent", []string{"ingest", "solo", "--node-agent"}, nil)
	if msg := siFails(t, e, r, "ingest", "web", "--port", "8080"); msg != "unknown flag: --port" {
		t.Errorf("ingest --port: %q", msg)
	}
}

// siCheckFlagFrom checks that a command line fails with "unknown flag:
// FLAG" before release 2.<since> and succeeds (with check, if any) from it.
// siRefusedBefore checks that a release before 2.since refuses the command
// as one it does not know, and tells whether it did so.
func siRefusedBefore(t *testing.T, e *Env, r standinRelease, since int, args ...string) bool {
	t.Helper()
	if r.minor >= since {
		return false
	}
	if _, stderr := siTPFails(t, e, args...); !strings.Contains(stderr, `unknown command "`+args[0]+`" for "telepresence"`) {
		t.Errorf("%s before 2.%d: %q", args[0], since, stderr)
	}
	return true
}

func siCheckFlagFrom(t *testing.T, e *Env, r standinRelease, since int, flag string, args []string, check func(map[string]any) bool) {
	t.Helper()
	if r.minor < since {
		if msg := siFails(t, e, r, args...); msg != "unknown flag: "+flag {
			t.Errorf("%s before 2.%d: %q", strings.Join(args, " "), since, msg)
		}
		return
	}
	if check == nil {
		siTP(t, e, append(args, siJSONFlag(r.rel)...)...)
	} else if got := siJSON(t, e, r, args...); !check(got) {
		t.Errorf("%s: %v", strings.Join(args, " "), got)
	}
}

func siCheckReplace(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	if siRefusedBefore(t, e, r, 22, "replace", "web") {
		return
	}
	if msg := siFails(t, e, r, "replace", "web"); !strings.Contains(msg, "several containers") {
		t.Errorf("replace of a workload with two containers, without --container: %q", msg)
	}
	got := siJSON(t, e, r, "replace", "web", "--container", "app", "--detailed-output")
	siAssertShape(t, got, "replace-2.31.json")
	env, _ := got["environment"].(map[string]any)
	if got["name"] != "web/app" || got["replace"] != true || got["container_name"] != "app" || got["target_host"] != "127.0.0.1" ||
		!reflect.DeepEqual(got["pod_ports"], []any{"8080:http", "8081:admin"}) || env["TELEPRESENCE_CONTAINER"] != "app" ||
		env["TELEPRESENCE_INTERCEPT_ID"] != got["id"] || !reflect.DeepEqual(got["mount"].(map[string]any)["mounts"], siWantMounts(r)) {
		t.Errorf("replace web --container app: %v", got)
	}
	got = siJSON(t, e, r, "replace", "solo", "--port", "9000:http", "--detailed-output")
	if got["name"] != "solo" || !reflect.DeepEqual(got["pod_ports"], []any{"9000:http"}) || got["workload_kind"] != "StatefulSet" {
		t.Errorf("replace solo --port 9000:http: %v", got)
	}
	if msg := siFails(t, e, r, "replace", "solo"); msg != `Intercept with name "solo" already exists` {
		t.Errorf("second replace of solo: %q", msg)
	}
	if msg := siFails(t, e, r, "replace", "web", "-c", "app"); msg != `unknown shorthand flag: 'c' in -c` {
		t.Errorf("replace -c: %q", msg)
	}
	siCheckFlagFrom(t, e, r, 28, "--namespace", []string{"replace", "web", "--container", "sidecar", "--namespace", "default"}, nil)
	for _, flag := range []string{"--node-agent", "--http-header=a=b"} {
		if msg := siFails(t, e, r, "replace", "web", flag); !strings.HasPrefix(msg, "unknown flag: ") {
			t.Errorf("replace %s: %q", flag, msg)
		}
	}
}

func siCheckWiretap(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	if siRefusedBefore(t, e, r, 23, "wiretap", "tap") {
		return
	}
	got := siJSON(t, e, r, "wiretap", "tap", "-w", "web", "--port", "8088:http", "--detailed-output")
	siAssertShape(t, got, "wiretap-2.31.json", ".filter_desc", ".header_filters", ".path_filters")
	mount, _ := got["mount"].(map[string]any)
	if got["name"] != "tap" || got["wiretap"] != true || got["container_name"] != "app" || got["container_port"] != 8080.0 ||
		got["target_port"] != 8088.0 || got["port_id"] != "http" || mount["read_only"] != true || got["filter_desc"] != nil {
		t.Errorf("wiretap tap -w web --port 8088:http: %v", got)
	}
	filters := []string{"wiretap", "tap2", "-w", "web", "--port", "8089:http", "--http-header", "x-dev=alice", "--http-path-prefix", "/api", "--detailed-output"}
	siCheckFlagFrom(t, e, r, 25, "--http-header", filters, func(got map[string]any) bool {
		return reflect.DeepEqual(got["header_filters"], map[string]any{"x-dev": "alice"}) &&
			reflect.DeepEqual(got["path_filters"], []any{"prefix:/api"}) && strings.Contains(fmt.Sprint(got["filter_desc"]), "'x-dev: alice'")
	})
	siCheckFlagFrom(t, e, r, 28, "--namespace", []string{"wiretap", "tap3", "-w", "web", "--port", "8090:admin", "--namespace", "default"}, nil)
	for _, flag := range []string{"--to-pod=5000", "--metadata=a=b", "--replace"} {
		if msg := siFails(t, e, r, "wiretap", "tap4", "-w", "web", flag); !strings.HasPrefix(msg, "unknown flag: ") {
			t.Errorf("wiretap %s: %q", flag, msg)
		}
	}
}

func siCheckInterceptFlags(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	if msg := siFails(t, e, r, "intercept", "web", "--port", "8080"); !strings.Contains(msg, "several service ports") {
		t.Errorf("intercept of a service with several ports, without naming one: %q", msg)
	}
	siCheckFlagFrom(t, e, r, 21, "--container", []string{"intercept", "m", "-w", "web", "--port", "7000:metrics", "--container", "app", "--detailed-output"},
		func(got map[string]any) bool {
			return got["environment"].(map[string]any)["TELEPRESENCE_CONTAINER"] == "app" // --container provides the environment
		})
	siCheckFlagFrom(t, e, r, 25, "--http-path-prefix", []string{"intercept", "p", "-w", "web", "--port", "7001:http", "--http-path-prefix", "/api", "--metadata", "k=v"}, nil)
	siCheckFlagFrom(t, e, r, 25, "--http-path-equal", []string{"intercept", "q", "-w", "web", "--port", "7002:http", "--http-path-equal", "/x", "--http-path-regex", "^/y"}, nil)
	siCheckFlagFrom(t, e, r, 30, "--node-agent", []string{"intercept", "n", "-w", "web", "--port", "7003:http", "--node-agent"}, nil)
	if msg := siFails(t, e, r, "intercept", "h", "-w", "web", "--port", "7004:http", "--replace"); !strings.Contains(msg, "does not emulate intercept --replace") {
		t.Errorf("intercept --replace: %q", msg)
	}
	// --namespace: hidden and deprecated before 2.28 (it only says so), the
	// workload's namespace from 2.28.
	out := siTP(t, e, "intercept", "ns", "-w", "solo", "--port", "7005", "--namespace", "other")
	deprecated := strings.Contains(out, "Flag --namespace has been deprecated, use telepresence connect to set the namespace")
	if ns := e.State().Connections[e.Project].Intercepts["ns"].Namespace; deprecated != (r.minor < 28) || (ns == "other") != (r.minor >= 28) {
		t.Errorf("intercept --namespace: namespace %q, output %q", ns, out)
	}
	if r.minor >= 25 {
		if ai := e.State().Connections[e.Project].Intercepts["p"]; !reflect.DeepEqual(ai.PathPrefix, []string{"/api"}) || !reflect.DeepEqual(ai.Metadata, []string{"k=v"}) {
			t.Errorf("intercept p: %+v", ai)
		}
		if msg := siFails(t, e, r, "intercept", "bad", "-w", "web", "--port", "7006:http", "--http-header", "x-dev"); msg != "invalid format 'x-dev': must be key=value or key: value" {
			t.Errorf("intercept --http-header without a value: %q", msg)
		}
	}
}

// siCheckLeaveKinds ends the attachments the other checks made, by kind,
// as each release looks them up.
func siCheckLeaveKinds(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	if r.minor < 21 {
		if _, stderr := siTPFails(t, e, "leave", "web", "-c", "app"); !strings.Contains(stderr, "unknown shorthand flag: 'c' in -c") {
			t.Errorf("leave -c before 2.21: %q", stderr)
		}
		return
	}
	conn := func() *fixture.Connection { return e.State().Connections[e.Project] }
	if _, stderr := siTPFails(t, e, "leave", "web"); !strings.Contains(stderr, siNotFound(r, "web")) {
		t.Errorf("leave web with two ingests of web: %q, want %q", stderr, siNotFound(r, "web"))
	}
	// -c: before 2.23 an ingest; from 2.23 the attachment NAME/CONTAINER
	// first (here the replace web/app), then an ingest.
	siTP(t, e, "leave", "web", "-c", "app")
	_, replaced := conn().Intercepts["web/app"]
	_, ingested := conn().Ingests["web/app"]
	if r.minor >= 22 && (replaced == r.teleroute || ingested != r.teleroute) {
		t.Errorf("leave web -c app: replace web/app left %v, ingest web/app left %v", replaced, ingested)
	}
	switch {
	case r.teleroute:
		siTP(t, e, "leave", "web", "-c", "app") // now the ingest
	case r.minor >= 22:
		siTP(t, e, "leave", "web/app") // the replace, by its name
	}
	siTP(t, e, "leave", "web") // the only ingest of web left: sidecar
	if len(conn().Ingests) > 1 || conn().Intercepts["web/app"].ID != "" {
		t.Errorf("attachments of web left: %+v", conn())
	}
	if r.teleroute {
		if _, stderr := siTPFails(t, e, "leave", "nothing", "-c", "x"); !strings.Contains(stderr, `Found no replace, intercept, or ingest named "nothing" with container "x"`) {
			t.Errorf("leave -c of nothing: %q", stderr)
		}
		siTP(t, e, "leave", "tap")
	}
	if r.minor >= 30 {
		siTP(t, e, "detach", "solo") // an intercept first: the replace of solo
		if _, stderr := siTPFails(t, e, "detach", "solo", "-n", "default"); !strings.Contains(stderr, "telepresence detach: error: "+siNotFound(r, "solo")) {
			t.Errorf("detach of the ingest of solo, in another namespace: %q", stderr)
		}
		siTP(t, e, "detach", "solo", "-n", "other")
		if c := conn(); len(c.Ingests) != 0 || c.Intercepts["solo"].ID != "" {
			t.Errorf("attachments left after detach: %+v", c)
		}
	}
}
