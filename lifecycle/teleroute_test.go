package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine/enginetest"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// The Teleroute model (2.23+): no --expose, intercepts with --address, the
// handlers join the Teleroute network, DNS mappings merged.
func TestUpDetachedTeleroute(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	assertSteps(t, f.j, []string{
		"tp status",
		"tp version",
		"tp connect --docker",
		"tp status",
		"docker volume create proj_telepresence-intercept-api",
		"tp intercept api --port 9000 --address tp-proj-api --detailed-output --output json",
		"docker volume create proj_telepresence-intercept-echo-server",
		"tp intercept echo-server --port 8088 --address tp-proj-echo --detailed-output --output json",
		"docker volume create proj_telepresence-dns",
		"tp status", // the daemon's set as it is now
		"tp dns 127.0.0.1:49321 [db=psql.default user=users.default]",
		"compose up attached=false watch=false",
	})
	got := yamlOf(t, f.lastProject())
	for _, want := range []string{
		"      teleroute:\n        aliases:\n          - tp-proj-echo\n",
		"    dns:\n      - 172.30.0.2\n    dns_search:\n      - tel2-search\n",
		"  teleroute:\n    name: test\n    external: true\n",
		"      - mode: ingress\n        target: 8088\n        published: \"8088\"\n",
		"  default:\n    name: proj_default\n    ipam:\n      config:\n        - subnet: 172.16.0.0/24\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the project lacks\n%s\nin:\n%s", want, got)
		}
	}
	web := f.lastProject().Services["web"]
	if _, ok := web.Networks[transform.TelerouteNetwork]; !ok {
		t.Errorf("web depended on the remote db but is not on the Teleroute network: %v", web.Networks)
	}
	if strings.Contains(f.stderr.String(), "WARNING") {
		t.Errorf("warnings: %s", f.stderr.String())
	}
}

// A daemon that routes nothing made no Teleroute network: nothing could
// reach a handler, so nothing is created, and the daemon this run
// connected is quit again.
func TestUpRefusesWithoutADaemonNetwork(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.tp.noSubnets = true
	err := f.up(t.Context(), true)
	if err == nil || !strings.Contains(err.Error(), "routes no cluster subnet, so it made no Teleroute network") {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, []string{"tp status", "tp version", "tp connect --docker", "tp status", "tp status", "tp quit"})
}

// Personal intercepts need --http-header (2.25): refused before anything
// is created, naming the version.
func TestUpRefusesPersonalInterceptsBefore225(t *testing.T) {
	yaml := edit(t, projectYAML, "{workload: echo-server}", "{workload: echo-server, httpHeaders: [x-dev=alice]}")
	f := newFixture(t, yaml, v224)
	err := f.up(t.Context(), true)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "x-telepresence.intercept.httpHeaders: Telepresence 2.24.1 cannot filter the traffic by HTTP header or path (--http-header, --http-path-*): it needs 2.25 or newer") {
		t.Fatalf("err = %v", err)
	}
	assertSteps(t, f.j, []string{"tp status", "tp version"})
	f.tp.connect("")
	f.j.reset()
	if err := f.up(t.Context(), true); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("with a 2.24 daemon running: err = %v", err)
	}
	assertSteps(t, f.j, []string{"tp status"})
}

// Two projects on one daemon keep each other's mappings, and the user's;
// `down` takes out only its project's.
func TestDNSMappingsAreMergedAndTakenOutByDown(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.loadAs(t, `
services:
  app: {image: app, depends_on: [cache]}
  cache: {image: cache, x-telepresence: {behavior: remote, mapping: {name: redis, namespace: infra}}}
`, "other")
	f.upAgain(t)
	if !slices.Contains(f.j.all(), "tp dns 127.0.0.1:49321 [cache=redis.infra db=psql.default user=users.default]") {
		t.Errorf("the second project's mappings are not merged: %v", f.j.all())
	}
	f.j.reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.j.all(), "tp dns 127.0.0.1:49321 [cache=redis.infra user=users.default]") {
		t.Errorf("down does not take out only its project's mappings: %v", f.j.all())
	}
	if got := f.engine.Labelled("proj", labels.DNSMappings); len(got) != 0 {
		t.Errorf("the record of the mappings stays: %v", got)
	}
}

// A mapping two projects set stays while either is up.
func TestAMappingTwoProjectsShareStays(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.loadAs(t, `
services:
  web: {image: web, depends_on: [db]}
  db: {image: db, x-telepresence: {behavior: remote, mapping: {name: psql}}}
`, "twin")
	f.upAgain(t)
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	if got := f.tp.daemon.DNSMappings; !sameMappings(got, []vocab.DNSMapping{{Name: "db", AliasFor: "psql.default"}, {Name: "user", AliasFor: "users.default"}}) {
		t.Errorf("after proj's down the daemon maps %v; twin still needs db", got)
	}
}

// The undo of a failed up takes out its project's mappings from the set as
// it is then, keeping what another project set meanwhile.
func TestAFailedUpKeepsTheMappingsOthersSetMeanwhile(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.tp.connect("") // the user's daemon: the undo does not quit it
	other := vocab.DNSMapping{Name: "cache", AliasFor: "redis.default"}
	f.compose.onCreate = func() {
		f.tp.daemon.DNSMappings = append(f.tp.daemon.DNSMappings, other) // another project's up, meanwhile
		raw, _ := json.Marshal(records.DNS{Connection: "test", Mappings: []vocab.DNSMapping{other}})
		f.engine.Volumes["other"] = []engine.Volume{{Name: "other_telepresence-dns", Labels: map[string]string{"com.docker.compose.project": "other", labels.DNSMappings: string(raw)}}}
	}
	f.compose.upErr = errors.New("boom")
	if err := f.up(t.Context(), true); err == nil {
		t.Fatal("up succeeded")
	}
	if got := f.tp.daemon.DNSMappings; !sameMappings(got, []vocab.DNSMapping{other, {Name: "user", AliasFor: "users.default"}}) {
		t.Errorf("after the undo the daemon maps %v", got)
	}
}

// A project that moves to another daemon takes its mappings off the old one.
func TestMovingToAnotherDaemonTakesTheMappingsOffTheOldOne(t *testing.T) {
	f := newFixture(t, "x-telepresence: {namespace: default}\n"+projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.tp.other = &telepresence.Daemon{Name: "other", ContainerNetwork: "tp-other", Version: v227, Context: "default", Namespace: "other",
		ReportsDNSMappings: true, DNSMappings: []vocab.DNSMapping{}, Subnets: []string{"10.96.0.0/12"}}
	f.load(t, "x-telepresence: {namespace: other}\n"+projectYAML)
	f.upAgain(t)
	if got := f.tp.daemon.DNSMappings; !sameMappings(got, []vocab.DNSMapping{{Name: "user", AliasFor: "users.default"}}) {
		t.Errorf("the old daemon still maps %v", got)
	}
	if got := f.tp.other.DNSMappings; !sameMappings(got, []vocab.DNSMapping{{Name: "db", AliasFor: "psql.other"}}) {
		t.Errorf("the new daemon maps %v", got)
	}
}

// `down` works when the intercepts ended in the cluster meanwhile.
func TestDownAfterTheInterceptsVanished(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.tp.active = map[string]bool{} // gone in the cluster
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	f.assertNothingLeft(t)
}

// With several daemons, the project's is chosen by its context and
// namespace, and every command names it.
func TestSeveralDaemonsUseTheProjectsOwn(t *testing.T) {
	yaml := "x-telepresence: {namespace: default}\n" + projectYAML
	f := newFixture(t, yaml, v227)
	f.tp.connect("")
	f.tp.other = &telepresence.Daemon{Name: "trn-big-data", ContainerNetwork: "tp-trn-big-data", Version: v227, Namespace: "big-data", Context: "default"}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if !hasStep(f.j, "tp intercept api --port 9000 --address tp-proj-api --use ^test$") {
		t.Errorf("no --use: %v", f.j.all())
	}
	f.j.reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.j.all(), "tp leave api --use test") {
		t.Errorf("down does not name the daemon: %v", f.j.all())
	}
	f.load(t, projectYAML) // no context or namespace: which daemon?
	f.j.reset()
	if err := f.up(t.Context(), true); !errors.Is(err, telepresence.ErrSeveralDaemons) {
		t.Errorf("err = %v", err)
	}
}

// daemonNetworkMaker is a Telepresence whose connect makes the daemon's
// Teleroute network on the engine, as a real daemon does, on subnet; the
// daemon routes routes.
type daemonNetworkMaker struct {
	*fakeTP
	engine         *enginetest.Fake
	routes, subnet string
}

func (d daemonNetworkMaker) Connect(ctx context.Context, o telepresence.ConnectOptions) error {
	if err := d.fakeTP.Connect(ctx, o); err != nil {
		return err
	}
	d.mu.Lock()
	d.daemon.Subnets = []string{d.routes}
	d.mu.Unlock()
	d.engine.Lock()
	defer d.engine.Unlock()
	d.engine.Others = append(d.engine.Others, engine.Network{Name: "tp-test", Subnets: []string{d.subnet}})
	return nil
}

// Docker's networks are read as the run begins, but a run that starts the
// daemon reads them again: a network that needs a subnet anew (the new
// daemon routes the one it had) must stay clear of the Teleroute network
// the daemon made meanwhile.
func TestTheProjectsSubnetAvoidsTheNetworkOfTheDaemonItStarted(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	// The daemon is gone; the one the next up starts routes 172.16.0.0/16,
	// where the project's network was, and its own network takes the
	// first free /24 after it.
	f.tp.daemon, f.tp.active = nil, map[string]bool{}
	f.runner.Telepresence = daemonNetworkMaker{fakeTP: f.tp, engine: f.engine, routes: "172.16.0.0/16", subnet: "172.17.0.0/24"}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	got := f.lastProject().Networks["default"].Ipam.Config
	if len(got) != 1 || got[0].Subnet == "172.17.0.0/24" || strings.HasPrefix(got[0].Subnet, "172.16.") {
		t.Errorf("the project's default network gets %+v, where the daemon routes 172.16.0.0/16 and its network is 172.17.0.0/24", got)
	}
}
