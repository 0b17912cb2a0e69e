package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// The kinds tests prove what a user sees of each behaviour of
// docs/attachments.md, through the plugin: one project holds every kind,
// so that one `up -d` per release makes them all at once.

// kindsWorkloads is the cluster of the kinds tests: "api" (one port),
// "billing" (a container with two ports, http and admin) and "worker" (a
// container with an environment and a volume), each behind its default
// service (fixture.Workload).
var kindsWorkloads = map[string]fixture.Workload{
	"api": {Containers: []fixture.Container{{Name: "api", Ports: []fixture.Port{{Name: "http", Port: 8080}},
		Environment: map[string]string{"API_MODE": "cluster"}}}},
	"billing": {Containers: []fixture.Container{{Name: "billing", Ports: []fixture.Port{{Name: "http", Port: 8080}, {Name: "admin", Port: 8081}},
		Environment: map[string]string{"LEDGER": "main"}}}},
	"worker": {Containers: []fixture.Container{{Name: "worker", Ports: []fixture.Port{{Name: "http", Port: 8080}},
		Environment: map[string]string{"QUEUE": "jobs"}, Mounts: []string{"/data"}}}},
}

// kindsServices are the cluster services the connect and proxy services
// reach (fixture.Fixture.ClusterServices).
var kindsServices = []string{"orders.default", "psql.default"}

// echoHandler is a handler service that answers HTTP on the ports with
// "handler NAME" (standin-echo, fixture.EchoBody) and logs each request.
func echoHandler(name string, ports ...string) string {
	args := []string{"standin-echo", "--reply", "handler " + name}
	for _, p := range ports {
		args = append(args, "--listen", p)
	}
	return "    image: " + daemonImage + "\n    command: [\"" + strings.Join(args, `", "`) + "\"]\n"
}

// sleeper is a service that only runs.
const sleeper = "    image: " + busyboxImage + "\n    init: true\n    command: [\"sleep\", \"3600\"]\n"

// kindsYAML has one service of each behaviour: an intercept of api's /api
// requests, a wiretap of api, a replace of billing (every port), an
// ingest of worker, a local service with cluster: true (connect), and a
// remote one (proxy) that client depends on.
var kindsYAML = `
services:
  api:
` + echoHandler("api", "8080") + `    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8080:http", httpPathPrefixes: [/api]}
  audit:
` + echoHandler("audit", "8081") + `    x-telepresence:
      behavior: wiretap
      wiretap: {workload: api, port: "8081:http"}
  billing:
` + echoHandler("billing", "8080", "8081") + `    x-telepresence: {behavior: replace}
  worker:
` + sleeper + `    x-telepresence: {behavior: ingest}
  web:
` + sleeper + `    x-telepresence: {cluster: true}
  client:
` + sleeper + `    depends_on: [db]
  db:
    image: never-pulled:1
    x-telepresence: {behavior: remote, mapping: {name: psql}}
`

// Every kind, in one project, through the plugin, in the Teleroute model:
// 2.27, and 2.31. `down` ends each.
func TestKinds(t *testing.T) {
	parallel(t) // each subtest has an Env of its own
	for _, rel := range []string{Release227, fixture.Release231} {
		t.Run(rel, func(t *testing.T) {
			e := newEnvAt(t, rel)
			e.WriteFixture(Fixture{Workloads: kindsWorkloads, ClusterServices: kindsServices})
			dir := e.WriteProject(map[string]string{"compose.yaml": kindsYAML})
			e.MustRun(ctx(t), dir, "up", "-d")
			checkIngest(t, e)
			checkReplace(t, e)
			checkInterceptAndWiretap(t, e)
			checkReachesCluster(t, e, "web", "orders") // connect
			checkReachesCluster(t, e, "client", "db")  // proxy
			checkStatusKinds(t, e, dir, map[string]string{
				"api": "intercept live", "audit": "wiretap live",
				"billing": "replace live", "worker": "ingest live",
			})
			e.MustRun(ctx(t), dir, "down")
			e.assertNoLeftovers()
		})
	}
}

// checkIngest: the ingest's handler has the container's environment and
// its volume, read-only, and takes no traffic: the pod answers.
func checkIngest(t *testing.T, e *Env) {
	t.Helper()
	worker := e.container("worker")
	assertEnv(t, e, worker, "QUEUE=jobs", "TELEPRESENCE_CONTAINER=worker")
	if got, err := e.Exec(worker, "cat /data/dir"); err != nil || got != "/data" {
		t.Errorf("the ingest's handler has no pod volume at /data: %q, %v", got, err)
	}
	if _, err := e.Exec(worker, "touch /data/written"); err == nil {
		t.Errorf("the ingest's volume is writable; an ingest mounts read-only")
	}
	out, ds := e.send(t, "worker")
	if want := fixture.EchoBody(fixture.PodReply("worker"), "GET", "/", 8080, nil); out != want || len(ds) != 1 || ds[0].To != fixture.ToPod {
		t.Errorf("traffic to the ingested workload: %q, %+v; want the pod's answer %q", out, ds, want)
	}
}

// checkReplace: the replace's handler takes both ports of the container,
// with its environment.
func checkReplace(t *testing.T, e *Env) {
	t.Helper()
	assertEnv(t, e, e.container("billing"), "LEDGER=main", "TELEPRESENCE_CONTAINER=billing")
	for port, n := range map[string]int{"http": 8080, "admin": 8081} {
		if out, _ := e.send(t, "billing", "/", "--port", port); out != fixture.EchoBody("handler billing", "GET", "/", n, nil) {
			t.Errorf("traffic to billing's %s port: %q; want the replace's handler on %d", port, out, n)
		}
	}
}

// checkInterceptAndWiretap: the intercept's path filter takes /api
// requests only; the wiretap gets a copy of both, which its handler logs,
// and the caller never gets the copy's answer.
func checkInterceptAndWiretap(t *testing.T, e *Env) {
	t.Helper()
	assertEnv(t, e, e.container("api"), "API_MODE=cluster")
	for path, answer := range map[string]string{"/api/items": "handler api", "/health": fixture.PodReply("api")} {
		out, ds := e.send(t, "api", path)
		if want := fixture.EchoBody(answer, "GET", path, 8080, nil); out != want {
			t.Errorf("traffic to api %s: %q, want %q", path, out, want)
		}
		copied := len(ds) == 2 && ds[1].Copy && ds[1].To == fixture.KindWiretap && ds[1].Name == "audit"
		if !copied || ds[1].Body != fixture.EchoBody("handler audit", "GET", path, 8081, nil) {
			t.Errorf("the wiretap's copy of api %s: %+v", path, ds)
		}
	}
	if logs, err := dockerCmd("logs", e.container("audit")); err != nil || !strings.Contains(logs, "8081 GET /health ") {
		t.Errorf("the wiretap's handler did not log the copy: %q, %v", logs, err)
	}
}

// checkReachesCluster: a local service reaches a cluster service by name.
func checkReachesCluster(t *testing.T, e *Env, service, name string) {
	t.Helper()
	if out, err := e.HTTPFrom(e.container(service), name, 80); err != nil || !strings.Contains(out, ClusterReply) {
		t.Errorf("%s does not reach the cluster's %s by name: %q, %v", service, name, out, err)
	}
}

// assertEnv checks that a container's environment holds each KEY=VALUE.
func assertEnv(t *testing.T, e *Env, container string, want ...string) {
	t.Helper()
	env, err := e.Exec(container, "env")
	for _, kv := range want {
		if err != nil || !slices.Contains(strings.Fields(env), kv) {
			t.Errorf("%s: the environment lacks %s (%v):\n%s", container, kv, err, env)
		}
	}
}

// send is standin-send WORKLOAD [PATH] [FLAGS], tried until it succeeds
// (a handler may still be starting): what the caller got, and the
// deliveries of that send, the answer first, then the copies.
func (e *Env) send(t *testing.T, args ...string) (string, []fixture.Delivery) {
	t.Helper()
	out := e.SendUntil(t, args...)
	return out, e.LastSend(t)
}

// checkStatusKinds checks `status`, as JSON and as the table: each
// attachment (name -> "KIND STATE") and nothing else.
func checkStatusKinds(t *testing.T, e *Env, dir string, want map[string]string) {
	t.Helper()
	var st struct {
		Attachments []struct{ Name, Kind, State string } `json:"attachments"`
	}
	if err := json.Unmarshal([]byte(e.MustRun(ctx(t), dir, "status", "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range st.Attachments {
		got[a.Name] = a.Kind + " " + a.State
	}
	table := e.MustRun(ctx(t), dir, "status")
	for name, ks := range want {
		if got[name] != ks {
			t.Errorf("status --format json: attachment %s is %q, want %q", name, got[name], ks)
		}
		kind, state, _ := strings.Cut(ks, " ")
		row := func(line string) bool {
			f := strings.Fields(line)
			return len(f) > 2 && f[0] == name && f[1] == kind && f[len(f)-1] == state
		}
		if !slices.ContainsFunc(strings.Split(table, "\n"), row) {
			t.Errorf("the status table has no row %s %s ... %s:\n%s", name, kind, state, table)
		}
	}
	if len(got) != len(want) {
		t.Errorf("status lists %v, want %v", got, want)
	}
}
