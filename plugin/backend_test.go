package plugin

import (
	"bytes"
	"os"
	"strings"
	"testing"

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
	if _, err := newBackend(newCli(t), true); err != nil {
		t.Fatal(err)
	}
	logrus.Warnf("Warning: No resource found to remove for project %q.", "p")
	logrus.Errorf("a real error")
	if got := out.String(); strings.Contains(got, "No resource found") || !strings.Contains(got, "a real error") {
		t.Errorf("logrus printed %q", got)
	}

	logrus.SetLevel(logrus.DebugLevel) // docker --log-level debug
	if _, err := newBackend(newCli(t), true); err != nil {
		t.Fatal(err)
	}
	if logrus.GetLevel() != logrus.DebugLevel {
		t.Errorf("the user's level became %v", logrus.GetLevel())
	}
}
