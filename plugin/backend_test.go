package plugin

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/docker/cli/cli/command"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/sirupsen/logrus"
)

// Compose's logrus warnings (a failed run's cleanup says "No resource
// found to remove") stay out of the plugin's output once the Compose
// service exists; its errors still show, and a level the user chose stays.
func TestComposeWarningsStayOut(t *testing.T) {
	level := logrus.GetLevel()
	var out bytes.Buffer
	logrus.SetOutput(&out)
	t.Cleanup(func() {
		logrus.SetLevel(level)
		logrus.SetOutput(os.Stderr)
	})

	logrus.SetLevel(logrus.InfoLevel) // what the Docker CLI's initialisation sets
	if _, err := newBackend(newCli(t), displayOptions{detached: true}); err != nil {
		t.Fatal(err)
	}
	logrus.Warnf("Warning: No resource found to remove for project %q.", "p")
	logrus.Errorf("a real error")
	if got := out.String(); strings.Contains(got, "No resource found") || !strings.Contains(got, "a real error") {
		t.Errorf("logrus printed %q", got)
	}

	logrus.SetLevel(logrus.DebugLevel) // docker --log-level debug
	if _, err := newBackend(newCli(t), displayOptions{detached: true}); err != nil {
		t.Fatal(err)
	}
	if logrus.GetLevel() != logrus.DebugLevel {
		t.Errorf("the user's level became %v", logrus.GetLevel())
	}
}

// --progress renders Compose's (and the plugin's) progress events as
// Compose's own --progress does: plain lines, a JSON stream, or nothing;
// a dry run marks the lines; an unknown mode is refused with the valid
// ones.
func TestProgressModes(t *testing.T) {
	event := api.Resource{ID: "Intercept api", Status: api.Done, Text: "Created"}
	for _, tc := range []struct {
		progress string
		dryRun   bool
		want     string
	}{
		{progress: "plain", want: " Intercept api Created \n"},
		{progress: "", want: " Intercept api Created \n"}, // auto, and stderr is no terminal
		{progress: "plain", dryRun: true, want: " DRY-RUN MODE - Intercept api Created \n"},
		{progress: "json", want: `"id":"Intercept api"`},
		{progress: "quiet", want: ""},
	} {
		t.Run(tc.progress, func(t *testing.T) {
			var stderr bytes.Buffer
			cli, err := command.NewDockerCli(command.WithErrorStream(&stderr))
			if err != nil {
				t.Fatal(err)
			}
			ep, err := eventProcessor(cli, displayOptions{progress: tc.progress, detached: true, dryRun: tc.dryRun})
			if err != nil {
				t.Fatal(err)
			}
			ep.On(event)
			if got := stderr.String(); tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("--progress %q printed %q, want %q", tc.progress, got, tc.want)
			}
		})
	}
	_, err := eventProcessor(newCli(t), displayOptions{progress: "fancy"})
	if err == nil || !strings.Contains(err.Error(), `--progress "fancy"`) || !strings.Contains(err.Error(), "auto, tty, plain, json, quiet") {
		t.Errorf("--progress fancy: %v", err)
	}
}
