package e2e

import (
	"slices"
	"strings"
	"testing"
)

// kindsNetnsYAML has what 2.20 can do: an intercept, a local service with
// cluster: true (which has no effect in the netns model), and a remote
// service without ports that client depends on.
var kindsNetnsYAML = `
services:
  api:
` + echoHandler("api", "8080") + `    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8080:http"}
  web:
` + sleeper + `    x-telepresence: {cluster: true}
  client:
` + sleeper + `    depends_on: [db]
  db:
    image: never-pulled:1
    x-telepresence: {behavior: remote, mapping: {name: psql}}
`

// Telepresence 2.20 (netns model): an ingest, a replace and a wiretap are
// refused before anything is created, each naming its service and the
// release that can; an intercept, connect and a proxy without ports work,
// and `down` ends the intercept.
func TestKindsNetns(t *testing.T) {
	e := newEnvAt(t, Release220)
	e.WriteFixture(Fixture{Workloads: kindsWorkloads})
	refused := e.WriteProject(map[string]string{"compose.yaml": kindsYAML})
	_, stderr, err := e.Run(ctx(t), refused, "up", "-d")
	for _, want := range []string{
		"service \"worker\": x-telepresence.behavior: Telepresence 2.20.2 cannot ingest a workload's container (`telepresence ingest`): it needs 2.21 or newer",
		"service \"billing\": x-telepresence.behavior: Telepresence 2.20.2 cannot replace a workload's container (`telepresence replace`): it needs 2.22 or newer",
		"service \"audit\": x-telepresence.behavior: Telepresence 2.20.2 cannot wiretap a workload (`telepresence wiretap`): it needs 2.23 or newer",
	} {
		if err == nil || !strings.Contains(stderr, want) {
			t.Errorf("up of ingest, replace and wiretap on 2.20: %v; stderr lacks %q:\n%s", err, want, stderr)
		}
	}
	if cmds := e.commands(); !slices.Equal(cmds, []string{"status", "version"}) {
		t.Errorf("the refused up called telepresence %v, want status and version only", cmds)
	}
	e.assertNoLeftovers()

	dir := e.WriteProject(map[string]string{"compose.yaml": kindsNetnsYAML})
	_, stderr, err = e.Run(ctx(t), dir, "up", "-d")
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	if want := `service "web": x-telepresence.cluster has no effect with this Telepresence`; !strings.Contains(stderr, want) {
		t.Errorf("up does not warn %q:\n%s", want, stderr)
	}
	assertEnv(t, e, e.container("api"), "API_MODE=cluster")
	if out, _ := e.send(t, "api", "/x"); !strings.HasPrefix(out, "handler api\n") {
		t.Errorf("traffic to the intercepted api: %q, want the handler's answer", out)
	}
	// The netns model: only handlers share the daemon's resolver, so the
	// proxy shows as its DNS mapping (docs/network-models.md#netns-remote-services).
	if got := e.DNSMappings(); !slices.Equal(got, []Mapping{{Name: "db", AliasFor: "psql.default"}}) {
		t.Errorf("DNS mappings = %v, want db -> psql.default", got)
	}
	if containers := e.ContainersOfProject(); slices.Contains(containers, e.container("db")) || !e.Running(e.container("client")) {
		t.Errorf("containers = %v: the remote db must not run, client must", containers)
	}
	checkStatusKinds(t, e, dir, map[string]string{"api": "intercept live"})
	e.MustRun(ctx(t), dir, "down")
	e.assertNoLeftovers()
}
