package transform

import (
	"testing"

	"github.com/google/go-cmp/cmp"
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
		Declared:      true, Key: "x-tele.ports",
	}}
	if d := cmp.Diff(want, plan.Proxies); d != "" {
		t.Errorf("proxies (-want +got):\n%s", d)
	}
}
