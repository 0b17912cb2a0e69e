package lifecycle

import (
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// config shows the model of the daemon that runs, else of the installed
// client, else Teleroute, and says which and why.
func TestConfigSaysWhichModelItShows(t *testing.T) {
	tests := []struct {
		name         string
		release      vocab.Version
		connected    bool
		notInstalled bool
		wantMode     string
		wantNote     string
	}{
		{"connected 2.27", v227, true, false, "", "NOTE: showing the teleroute model: Telepresence 2.27.3 runs the daemon tp-test"},
		{"connected 2.20", v220, true, false, "container:0123456789abcdef", "NOTE: showing the netns model: Telepresence 2.20.2 runs the daemon tp-test"},
		{"installed 2.20", v220, false, false, "container:" + PlaceholderDaemon, "NOTE: showing the netns model of the installed Telepresence 2.20.2: no daemon is connected"},
		{"installed 2.27", v227, false, false, "", "NOTE: showing the teleroute model of the installed Telepresence 2.27.3: no daemon is connected"},
		{"not installed", v227, false, true, "", "NOTE: showing the teleroute model of Telepresence 2.23 and newer: the telepresence CLI does not answer (telepresence is not installed)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, projectYAML, tc.release)
			if tc.connected {
				f.tp.connect("")
			}
			if tc.notInstalled {
				f.tp.statusErr, f.tp.versionErr = telepresence.ErrNotInstalled, telepresence.ErrNotInstalled
			}
			res, err := f.runner.Config(t.Context(), f.project, f.intent, ConfigOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Project.Services["echo"].NetworkMode; got != tc.wantMode {
				t.Errorf("network_mode = %q, want %q", got, tc.wantMode)
			}
			summary := "Services: attached: api (intercept of api), echo (intercept of echo-server); remote (the cluster's): db; local, reaching the cluster: web"
			if tc.release == v220 {
				summary = "Services: attached: api (intercept of api), echo (intercept of echo-server); remote (the cluster's): db; local: web"
			}
			for _, want := range []string{tc.wantNote, summary} {
				if !strings.Contains(f.stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, f.stderr.String())
				}
			}
			if hasStep(f.j, "tp connect") || hasStep(f.j, "tp intercept") || hasStep(f.j, "docker") {
				t.Errorf("config changed something: %v", f.j.all())
			}
		})
	}
}

func TestConfigOfARunningProjectMasksThePodEnvironment(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.tp.env = map[string]string{"DB_PASSWORD": "s3cret"}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.engine.HandlerEnv = map[string]map[string]string{
		"proj-echo-1": {"DB_PASSWORD": "s3cret", "TELEPRESENCE_CONTAINER": "echo-server"},
	}
	for _, show := range []bool{false, true} {
		res, err := f.newRunner().Config(t.Context(), f.project, f.intent, ConfigOptions{ShowEnv: show})
		if err != nil {
			t.Fatal(err)
		}
		got := *res.Project.Services["echo"].Environment["DB_PASSWORD"]
		want := Masked
		if show {
			want = "s3cret"
		}
		if got != want {
			t.Errorf("show-env=%v: DB_PASSWORD = %q, want %q", show, got, want)
		}
		if out := yamlOf(t, res.Project); !show && strings.Contains(out, "s3cret") {
			t.Errorf("the secret is printed:\n%s", out)
		}
		if c := *res.Project.Services["echo"].Environment["TELEPRESENCE_CONTAINER"]; c != "echo-server" {
			t.Errorf("show-env=%v: TELEPRESENCE_CONTAINER = %q: Telepresence's own variables are not secret, and name the volumes", show, c)
		}
		if _, ok := res.Project.Services["echo"].Networks[transform.TelerouteNetwork]; !ok {
			t.Errorf("config of a running Teleroute project does not show the Teleroute network")
		}
	}
	if !strings.Contains(f.stderr.String(), "--show-env shows it") {
		t.Errorf("stderr = %s", f.stderr.String())
	}
}

// A daemon without a Teleroute network: config prints the project and
// warns that up refuses it.
func TestConfigWarnsWhenUpWouldRefuse(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.tp.noSubnets = true
	f.tp.connect("")
	if _, err := f.runner.Config(t.Context(), f.project, f.intent, ConfigOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.stderr.String(), "has no Teleroute network: `up` refuses to start this project") {
		t.Errorf("stderr = %s", f.stderr.String())
	}
}
