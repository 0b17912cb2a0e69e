package lifecycle

import (
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
)

// A reconnect of the daemon made its Teleroute network again and
// reconnected the handlers without their aliases, as Telepresence's
// connector does: the next `up` attaches each running handler again under
// its alias, which the intercept's --address names, before Compose's up
// (which keeps it running, unless it recreates it with its aliases).
// Handlers whose alias is there are left alone.
func TestUpRestoresAHandlersTelerouteAlias(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.engine.Lock()
	f.engine.Endpoints["proj-echo-1"]["test"] = engine.Endpoint{IP: "172.30.0.5"} // reconnected without aliases
	delete(f.engine.Endpoints["proj-api-1"], "test")                              // not reconnected at all
	f.engine.Unlock()
	f.upAgain(t)
	assertTail(t, f.j, []string{
		"docker network connect test proj-api-1 [tp-proj-api]",
		"docker network disconnect test proj-echo-1",
		"docker network connect test proj-echo-1 [tp-proj-echo]",
		"compose up attached=false watch=false",
	})
	if !strings.Contains(f.stderr.String(), "Attaching proj-echo-1 to the Teleroute network test again under its alias tp-proj-echo") {
		t.Errorf("the user is not told: %s", f.stderr.String())
	}
	for c, alias := range map[string]string{"proj-echo-1": "tp-proj-echo", "proj-api-1": "tp-proj-api"} {
		if got := f.engine.Endpoints[c]["test"].Aliases; !slices.Contains(got, alias) {
			t.Errorf("%s has the aliases %v on the Teleroute network, want %s", c, got, alias)
		}
	}
	f.upAgain(t)
	if hasStep(f.j, "docker network") {
		t.Errorf("handlers with their aliases were attached again: %v", f.j.all())
	}
}

// With several connections each handler keeps its alias on its own
// connection's Teleroute network.
func TestUpRestoresTheAliasOnEachConnectionsNetwork(t *testing.T) {
	f := newFixture(t, twoConnections, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.engine.Lock()
	f.engine.Endpoints["proj-api-1"]["west"] = engine.Endpoint{}
	f.engine.Endpoints["proj-echo-1"]["test"] = engine.Endpoint{}
	f.engine.Unlock()
	f.upAgain(t)
	for _, want := range []string{
		"docker network connect west proj-api-1 [tp-proj-api]",
		"docker network connect test proj-echo-1 [tp-proj-echo]",
	} {
		if !slices.Contains(f.j.all(), want) {
			t.Errorf("no %q in %v", want, f.j.all())
		}
	}
}
