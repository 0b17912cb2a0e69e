package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/internal/harness"
	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// An x-tele project on 2.31 with a proxy whose ports the daemon reroutes
// (docs/attachments.md#proxy), and mount overrides
// (docs/attachments.md#mount-overrides):
//   - the proxy's compose port reaches the cluster service's port: a
//     dependent dials db:5433 and reaches psql's 5432 (connect
//     --reroute-remote); the host reaches psql through the port the daemon
//     publishes for db (--expose and --reroute-local);
//   - {volume: cache, policy: local} keeps the handler's compose volume
//     where the pod has one; {volume: logs, policy: remoteReadOnly} mounts
//     the pod's volume read-only.
func TestProxyPortsAndMountOverrides(t *testing.T) {
	e := newSerialEnvAt(t, fixture.Release231) // alone: its daemon is trn-default, an unnamed x-tele connection's
	e.WriteFixture(Fixture{ClusterServices: []string{"psql.default"}, ClusterPorts: []fixture.Port{{Name: "postgres", Port: 5432}},
		Intercepts: map[string]InterceptFixture{"echo": {Mounts: []string{"/tmp/cache", "/var/log/app"}}}})
	e.AllowLeft("volume "+e.Project+"_cache", "volume "+e.Project+"_logs") // down keeps named volumes
	dir := e.WriteProject(map[string]string{"compose.yaml": `
x-tele:
  mounts:
    - {volume: cache, policy: local}
    - {volume: logs, policy: remoteReadOnly}
services:
  app:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    depends_on: [db]
  db:
    image: never-pulled:1
    ports: ["127.0.0.1::5432"]
    x-tele: {type: proxy, name: psql, ports: ["5433:5432"]}
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ["sleep", "3600"]
    volumes: [cache:/tmp/cache, logs:/var/log/app]
    x-tele: {type: intercept, ports: ["8088:http"]}
volumes:
  cache: {}
  logs: {}
`})
	e.MustRun(ctx(t), dir, "up", "-d")
	connect := e.callsOf("connect")
	for _, flag := range [][2]string{{"--expose", "127.0.0.1::5432"}, {"--reroute-local", "5432:psql:5432"}, {"--reroute-remote", "psql:5432:5433"}} {
		if len(connect) != 1 || !containsSeq(connect[0], flag[0], flag[1]) {
			t.Errorf("connect calls %q, want one with %s %s", connect, flag[0], flag[1])
		}
	}
	// An x-tele connection without a name is trn-<namespace>, as
	// Telepresence's compose names it (docs/attachments.md#connect).
	want := fixture.ClusterAnswer("trn-default", 5432)
	if out, err := e.HTTPFrom(e.container("app"), "db", 5433); err != nil || !strings.Contains(out, want) {
		t.Errorf("app dials db:5433 and gets %q, %v; want psql's port 5432: %q", out, err, want)
	}
	addr := "127.0.0.1:" + e.HostPort("tp-trn-default", 5432)
	if status, body, err := e.HTTPGet(addr, "/"); err != nil || status != 200 || body != want {
		t.Errorf("GET %s, db's published port = %d %q, %v; want %q", addr, status, body, err, want)
	}
	checkMountOverrides(t, e)
	// The daemon runs now: a changed proxy port is rerouted on it all the
	// same, as Telepresence reroutes on every connect; and so after the user
	// switched kubeconfig contexts, which a connect that did not name the
	// daemon's own would take up, and be refused.
	e.WriteFixture(Fixture{ClusterServices: []string{"psql.default"}, ClusterPorts: []fixture.Port{{Name: "postgres", Port: 5432}},
		Intercepts: map[string]InterceptFixture{"echo": {Mounts: []string{"/tmp/cache", "/var/log/app"}}}, Context: "another-context"})
	compose := filepath.Join(dir, "compose.yaml")
	data, err := os.ReadFile(compose)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(compose, []byte(strings.Replace(string(data), `ports: ["5433:5432"]`, `ports: ["5434:5432"]`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.MustRun(ctx(t), dir, "up", "-d")
	if out, err := e.HTTPFrom(e.container("app"), "db", 5434); err != nil || !strings.Contains(out, want) {
		t.Errorf("after the change, app dials db:5434 and gets %q, %v; want psql's port 5432: %q", out, err, want)
	}
}

// checkMountOverrides checks the handler's mounts: its compose volume cache
// at /tmp/cache, a read-only Telemount volume at /var/log/app.
func checkMountOverrides(t *testing.T, e *Env) {
	t.Helper()
	echo := e.container("echo")
	mounts := strings.Fields(e.Inspect(`{{range .Mounts}}{{.Destination}}={{.Name}},{{.Driver}},{{.RW}} {{end}}`, echo))
	for _, m := range []string{"/tmp/cache=" + e.Project + "_cache,local,true", "/var/log/app=" + e.Project + "_echo-1," + telemountDriver + ",false"} {
		if !slices.Contains(mounts, m) {
			t.Errorf("handler mounts %v, want %s", mounts, m)
		}
	}
	if out, err := e.Exec(echo, "echo kept > /tmp/cache/f && cat /tmp/cache/f"); err != nil || out != "kept" {
		t.Errorf("writing the compose volume a local policy keeps: %q, %v", out, err)
	}
	if out, err := e.Exec(echo, "touch /var/log/app/written"); err == nil || !strings.Contains(out+err.Error(), "Read-only file system") {
		t.Errorf("a write to the remoteReadOnly volume: %q, %v; want it refused, read-only", out, err)
	}
}

// xteleEdits are the changes the x-tele example needs to run here, each
// with the number of times its text must occur, so that an edit of the
// example that these no longer fit fails the test instead of going
// untested.
var xteleEdits = []struct {
	old, new string
	n        int
}{
	// No registry: the suite's local busybox image.
	{"image: busybox:1.36", "image: " + busyboxImage, 5},
	// No fixed host port: the engine picks one.
	{`ports: ["8080:8080"]`, `ports: ["127.0.0.1:0:8080"]`, 1},
	// A published 5432 is a fixed host port: the daemon publishes the
	// proxy's port on one the engine picks.
	{`ports: ["5432:5432"]` + "\n    x-tele:", `ports: ["127.0.0.1::5432"]` + "\n    x-tele:", 1},
}

// xteleExample is examples/x-tele/compose.yaml with xteleEdits.
func xteleExample(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "examples", "x-tele", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml := string(data)
	for _, ed := range xteleEdits {
		if got := strings.Count(yaml, ed.old); got != ed.n {
			t.Fatalf("examples/x-tele/compose.yaml has %d of %q, want %d: update xteleEdits", got, ed.old, ed.n)
		}
		yaml = strings.ReplaceAll(yaml, ed.old, ed.new)
	}
	return yaml
}

// The x-tele example, Telepresence's own extension unchanged but for
// xteleEdits, on 2.31: `up -d` makes its four attachments, `status` lists
// them by kind, web reaches the proxied db by its compose name, and `down`
// ends them all.
func TestXTeleExample(t *testing.T) {
	e := newSerialEnvAt(t, fixture.Release231) // alone: the example's connection names its daemon
	e.WriteFixture(Fixture{ClusterServices: []string{"postgres.shop"}})
	e.AllowLeft("volume " + e.Project + "_cache") // down keeps named volumes
	dir := e.WriteProject(map[string]string{"compose.yaml": xteleExample(t)})
	// The dry run pretends the named connection's daemon, tp-shop.
	_, stderr, err := e.Run(ctx(t), dir, "up", "-d", "--dry-run")
	if want := "would run: telepresence connect --docker --name shop --namespace shop"; err != nil || !strings.Contains(stderr, want) {
		t.Errorf("up --dry-run: %v; stderr lacks %q:\n%s", err, want, stderr)
	}
	e.MustRun(ctx(t), dir, "up", "-d")
	checkStatusKinds(t, e, dir, map[string]string{
		"api": "intercept live", "billing/billing": "replace live", "audit-tap": "wiretap live", "worker": "ingest live",
	})
	checkReachesCluster(t, e, "web", "db")
	e.MustRun(ctx(t), dir, "down")
	if left := e.Leftovers(); len(left) != 1 || left[0] != "volume "+e.Project+"_cache" {
		t.Errorf("after down: %v, want only the named volume cache", left)
	}
}
