package lifecycle

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// A one-off of a handler runs in the project as up ran it: the pod's
// environment of its live attachment, the daemon's network namespace
// (netns) or network and DNS (Teleroute), without a second attachment and
// with nothing asked of Telepresence but its status.
func TestRunOneOffOfAHandlerGetsWhatItsServiceGets(t *testing.T) {
	for _, release := range []struct {
		name string
		v    vocab.Version
	}{{"netns", v220}, {"teleroute", v227}} {
		t.Run(release.name, func(t *testing.T) {
			f := newFixture(t, projectYAML, release.v)
			f.tp.env = map[string]string{"DB_HOST": "psql", "TELEPRESENCE_CONTAINER": "echo-server"}
			if err := f.up(t.Context(), true); err != nil {
				t.Fatal(err)
			}
			f.engine.HandlerEnv = map[string]map[string]string{"proj-echo-1": {"DB_HOST": "psql", "TELEPRESENCE_CONTAINER": "echo-server"}}
			f.j.reset()
			code, err := f.newRunner().RunOneOff(t.Context(), OneOffOptions{Project: f.project, Intent: f.intent,
				Run: api.RunOptions{Service: "echo", Command: []string{"env"}, AutoRemove: true}})
			if err != nil || code != 0 {
				t.Fatalf("run: %d, %v", code, err)
			}
			for _, step := range f.j.all() {
				if strings.HasPrefix(step, "tp ") && step != "tp status" {
					t.Errorf("a one-off asked Telepresence %q", step)
				}
			}
			assertOneOffAsTheService(t, f.compose.projects["proj run"].Services["echo"], release.name == "netns")
			if f.compose.runs[0].Project != f.compose.projects["proj run"] || !f.compose.runs[0].AutoRemove {
				t.Errorf("Compose ran %+v", f.compose.runs[0])
			}
		})
	}
}

// In the Teleroute model a one-off of a local service joins the cluster,
// so that it reaches the remote services by their compose names; the
// service itself does not.
func TestRunOneOffOfALocalServiceReachesTheCluster(t *testing.T) {
	f := newFixture(t, strings.Replace(projectYAML, "    depends_on: [db]\n", "", 1), v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if _, joined := f.lastProject().Services["web"].Networks[transform.TelerouteNetwork]; joined {
		t.Fatal("the fixture's web already joins the cluster")
	}
	if _, err := f.newRunner().RunOneOff(t.Context(), OneOffOptions{Project: f.project, Intent: f.intent, Run: api.RunOptions{Service: "web"}}); err != nil {
		t.Fatal(err)
	}
	if _, joined := f.compose.projects["proj run"].Services["web"].Networks[transform.TelerouteNetwork]; !joined {
		t.Error("the one-off of web does not reach the cluster")
	}
}

// A handler without a live attachment is refused, saying how to attach
// it; so is a project whose daemon does not run, and a remote service.
func TestRunOneOffRefusals(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	_, err := f.runner.RunOneOff(t.Context(), OneOffOptions{Project: f.project, Intent: f.intent, Run: api.RunOptions{Service: "echo"}})
	if !errors.Is(err, ErrNotUp) || !strings.Contains(err.Error(), "docker telepresence up") {
		t.Errorf("no daemon: %v", err)
	}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.engine.StopAll("proj")
	_, err = f.runner.RunOneOff(t.Context(), OneOffOptions{Project: f.project, Intent: f.intent, Run: api.RunOptions{Service: "echo"}})
	if !errors.Is(err, ErrNotUp) || !strings.Contains(err.Error(), `service "echo" has no live attachment`) {
		t.Errorf("stopped handler: %v", err)
	}
	_, err = f.runner.RunOneOff(t.Context(), OneOffOptions{Project: f.project, Intent: f.intent, Run: api.RunOptions{Service: "db"}})
	if err == nil || !strings.Contains(err.Error(), "remote") {
		t.Errorf("remote service: %v", err)
	}
	if len(f.compose.runs) != 0 {
		t.Errorf("Compose ran %d one-offs", len(f.compose.runs))
	}
}

// A handler cannot be scaled past one container; a local service is
// scaled in the project as up ran it.
func TestScale(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	err := f.runner.Scale(t.Context(), ScaleOptions{Project: f.project, Intent: f.intent, Replicas: map[string]int{"echo": 2}})
	if err == nil || !strings.Contains(err.Error(), "one container takes one attachment") {
		t.Errorf("scaling a handler to 2: %v", err)
	}
	if err := f.runner.Scale(t.Context(), ScaleOptions{Project: f.project, Intent: f.intent, Replicas: map[string]int{"web": 3}}); err != nil {
		t.Fatal(err)
	}
	if len(f.compose.scaled) != 1 || f.compose.scaled[0].Services["echo"].CustomLabels["io.telepresence.compose.intercept"] != "echo-server" {
		t.Errorf("Compose scaled a project that is not as up ran it")
	}
	if _, remote := f.compose.scaled[0].Services["db"]; remote {
		t.Error("Compose was given the remote service")
	}
}

// start after stop makes the attachments stop ended, and starts the
// containers, as up -d does; restart of a project that is up makes no
// attachment and restarts the containers.
func TestStartMakesTheAttachmentsAgainAndRestartKeepsThem(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if err := f.runner.Stop(t.Context(), StopOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	f.engine.StopAll("proj")
	if len(f.tp.active) != 0 {
		t.Fatalf("stop left attachments %v", f.tp.active)
	}
	f.j.reset()
	if err := f.newRunner().Start(t.Context(), StartOptions{Project: f.project, Intent: f.intent}); err != nil {
		t.Fatal(err)
	}
	if len(f.tp.active) != 2 || !hasStep(f.j, "compose up attached=false") {
		t.Errorf("start: attachments %v, steps %v", f.tp.active, f.j.all())
	}
	if b := f.compose.ups[len(f.compose.ups)-1].Create.Build; b != nil {
		t.Error("start builds")
	}
	f.j.reset()
	if err := f.newRunner().Restart(t.Context(), StartOptions{Project: f.project, Intent: f.intent, Services: []string{"echo"}}); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(f.j.all(), func(s string) bool { return strings.HasPrefix(s, "tp intercept") }) {
		t.Errorf("restart made an attachment again: %v", f.j.all())
	}
	if !hasStep(f.j, "compose restart proj echo") {
		t.Errorf("restart did not restart echo: %v", f.j.all())
	}
}

// start refuses a project without containers, and a service without one.
func TestStartWithoutContainers(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	err := f.runner.Start(t.Context(), StartOptions{Project: f.project, Intent: f.intent})
	if err == nil || !strings.Contains(err.Error(), "has no container to start") {
		t.Errorf("start of a project never up: %v", err)
	}
	if len(f.tp.active) != 0 || len(f.compose.ups) != 0 {
		t.Error("start of a project never up did something")
	}
}

// down --rmi of a project that is down removes its images, as Compose's
// does, instead of saying there is nothing to do.
func TestDownRemovesTheImagesOfAProjectThatIsDown(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	local, err := transform.WithoutRemote(f.project, f.intent)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.runner.Down(t.Context(), DownOptions{ProjectName: "proj", Images: "local", Project: local}); err != nil {
		t.Fatal(err)
	}
	if len(f.compose.downs) != 1 || f.compose.downs[0].Images != "local" || f.compose.downs[0].Project != local {
		t.Errorf("Compose's down: %+v", f.compose.downs)
	}
	if strings.Contains(f.stderr.String(), "Nothing to do") {
		t.Errorf("it says %q", f.stderr.String())
	}
}

// assertOneOffAsTheService checks that a handler's one-off has the pod's
// environment, and the daemon's namespace (netns) or network and DNS.
func assertOneOffAsTheService(t *testing.T, one types.ServiceConfig, netns bool) {
	t.Helper()
	if v := one.Environment["DB_HOST"]; v == nil || *v != "psql" {
		t.Errorf("the one-off's environment lacks the pod's: %v", one.Environment)
	}
	if netns {
		if one.NetworkMode != "container:0123456789abcdef" {
			t.Errorf("network_mode = %q, want the daemon's namespace", one.NetworkMode)
		}
		return
	}
	if _, ok := one.Networks[transform.TelerouteNetwork]; !ok || len(one.DNS) == 0 || one.DNS[0] != "172.30.0.2" {
		t.Errorf("the one-off is not on the daemon's network with its DNS: %v %v", one.Networks, one.DNS)
	}
}
