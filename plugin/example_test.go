package plugin

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// The x-tele example, as Telepresence's own compose reads it, is read
// unchanged: every kind, the connection and the mounts override, in a
// project config prints without a cluster.
func TestXTeleExample(t *testing.T) {
	dir := filepath.Join("..", "examples", "x-tele")
	content, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := loadYAML(t, dir, content)
	in, err := transform.ParseIntent(p, transform.Flags{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := transform.NewPlan(p, in)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]vocab.Kind{}
	for _, r := range plan.Attachments {
		kinds[r.Service] = r.Kind
	}
	want := map[string]vocab.Kind{"api": vocab.KindIntercept, "billing": vocab.KindReplace,
		"audit": vocab.KindWiretap, "worker": vocab.KindIngest}
	for service, kind := range want {
		if kinds[service] != kind {
			t.Errorf("service %s: %q, want %q", service, kinds[service], kind)
		}
	}
	if in.Connection().Namespace != "shop" || len(in.Mounts) != 1 || in.Behavior("db") != transform.Remote || !in.Services["web"].Cluster {
		t.Errorf("intent = %+v", in)
	}
	if len(plan.Proxies) != 1 || plan.Proxies[0].RerouteRemote[0] != "postgres:5432:5432" {
		t.Errorf("proxies = %+v", plan.Proxies)
	}
	res, err := transform.Apply(p, in, transform.Runtime{Model: vocab.ModelTeleroute, Daemons: map[string]transform.DaemonRuntime{"": {Container: "tp-x", Network: "x"}}, VolumeDriver: "telemount"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := render(res.Project, "yaml"); err != nil {
		t.Fatal(err)
	}
}
