package transform

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// A remote service's ports go through the daemon as Telepresence's own
// compose support sends them (addProxyLocalReroutes and
// addProxyRemoteReroutes in pkg/client/cli/docker/compose/connection.go):
// each declared COMPOSE:CLUSTER port is a remote reroute; each port the
// compose file publishes, with a host port or one the engine chooses as
// Compose would, is exposed by the daemon and sent on to the cluster.
func TestProxyReroutesEveryPublishedPort(t *testing.T) {
	project := load(t, `
services:
  db:
    image: db
    ports: ["15432:5432", "127.0.0.1::5433", "5434", "[::1]:6000:6000/udp"]
    x-tele: {type: proxy, name: psql, ports: ["5433:5432", "9000:metrics/udp"]}
  app:
    image: app
    depends_on: [db]
`)
	plan, err := NewPlan(project, mustIntent(t, project, Flags{}))
	if err != nil {
		t.Fatal(err)
	}
	want := []Proxy{{
		Service:       "db",
		RerouteRemote: []string{"psql:5432:5433", "psql:metrics:9000/udp"},
		Expose:        []string{"15432:5432", "127.0.0.1::5433", "5434", "[::1]:6000:6000/udp"},
		RerouteLocal:  []string{"5432:psql:5432", "5433:psql:5433", "5434:psql:5434", "6000:psql:6000/udp"},
		Declared:      true, Key: "x-tele.ports", Host: "psql", NameKey: "x-tele.name",
	}}
	if d := cmp.Diff(want, plan.Proxies); d != "" {
		t.Errorf("proxies (-want +got):\n%s", d)
	}
}

// An x-tele proxy names any service the daemon resolves, another
// namespace's too (SERVICE.NAMESPACE): the compose name maps to it as
// written, and the reroutes dial it.
func TestProxyOfAServiceInAnotherNamespace(t *testing.T) {
	project := load(t, `{services: {db: {image: db, ports: ["5432"], x-tele: {type: proxy, name: postgres.infra, ports: ["5433:5432"]}}, web: {image: web, depends_on: [db]}}}`)
	plan, err := NewPlan(project, mustIntent(t, project, Flags{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.DNSMappings) != 1 || plan.DNSMappings[0].DNSMapping("default") != (vocab.DNSMapping{Name: "db", AliasFor: "postgres.infra"}) {
		t.Errorf("DNS mappings %+v", plan.DNSMappings)
	}
	if len(plan.Proxies) != 1 || !slices.Equal(plan.Proxies[0].RerouteRemote, []string{"postgres.infra:5432:5433"}) ||
		!slices.Equal(plan.Proxies[0].RerouteLocal, []string{"5432:postgres.infra:5432"}) {
		t.Errorf("proxies %+v", plan.Proxies)
	}
	bad := load(t, `{services: {db: {image: db, x-tele: {type: proxy, name: "Postgres..infra"}}}}`)
	if _, err := ParseIntent(bad, Flags{}); err == nil || !strings.Contains(err.Error(), "x-tele.name") {
		t.Errorf("a name that is no DNS name: %v", err)
	}
}
