package e2e

import (
	"slices"
	"strings"
	"testing"
)

// A reconnect of the daemon made its Teleroute network again and
// reconnected the handler without its alias, as Telepresence's connector
// does (pkg/client/cli/connect/connector.go createTelerouteNetwork): the
// daemon cannot reach the handler by its intercept address any more. The
// next `up` attaches it again under its alias, and the intercept's traffic
// reaches it again.
func TestUpRestoresAHandlersTelerouteAlias(t *testing.T) {
	e := newEnvAt(t, Release227)
	e.WriteFixture(Fixture{Intercepts: map[string]InterceptFixture{"echo-server": {Environment: map[string]string{"MODE": "cluster", "DB_HOST": "psql"}}}})
	dir := e.WriteProject(map[string]string{"compose.yaml": `
services:
  echo:
    image: ` + busyboxImage + `
    init: true
    command: ` + httpd + `
    x-telepresence:
      behavior: interceptHandler
      intercept: {workload: echo-server, port: "8088"}
`})
	e.MustRun(ctx(t), dir, "up", "-d")
	echo, alias := e.container("echo"), "tp-"+e.Project+"-echo"
	hasAlias := func() bool {
		return slices.ContainsFunc(e.networksOf(echo), func(n string) bool {
			network, aliases, _ := strings.Cut(n, ":")
			return network == e.telerouteNetwork() && slices.Contains(strings.Split(aliases, ","), alias)
		})
	}
	const reply = "mode=cluster db=psql"
	if got, err := e.sendTraffic("echo-server"); err != nil || got != reply {
		t.Fatalf("the intercept's traffic = %q, %v; want the handler's answer", got, err)
	}

	for _, args := range [][]string{{"network", "disconnect", e.telerouteNetwork(), echo}, {"network", "connect", e.telerouteNetwork(), echo}} {
		if _, err := dockerCmd(args...); err != nil {
			t.Fatal(err)
		}
	}
	// Once, not until it answers: it must not.
	if out, _, err := e.Telepresence("standin-send", "echo-server", "/"); hasAlias() || err == nil {
		t.Fatalf("reconnected without its alias, the handler still has it (%v) or gets the traffic (%q)", e.networksOf(echo), out)
	}
	before := e.Inspect("{{.Id}}", echo)

	_, stderr, err := e.Run(ctx(t), dir, "up", "-d")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "Attaching "+echo+" to the Teleroute network "+e.telerouteNetwork()+" again under its alias "+alias) {
		t.Errorf("up does not say it restored the alias:\n%s", stderr)
	}
	if e.Inspect("{{.Id}}", echo) != before {
		t.Errorf("the handler was recreated; the test shows nothing")
	}
	if !hasAlias() {
		t.Errorf("after up the handler's networks are %v, want %s with the alias %s", e.networksOf(echo), e.telerouteNetwork(), alias)
	}
	if got, err := e.sendTraffic("echo-server"); err != nil || got != reply {
		t.Errorf("after up, the intercept's traffic = %q, %v; want the handler's answer", got, err)
	}
}
