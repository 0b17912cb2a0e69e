package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// handlesSIGTERM are the images of the examples whose own process, as PID
// 1, stops on SIGTERM.
var handlesSIGTERM = map[string]bool{"postgres": true}

// Every service of the examples stops at once on down or Ctrl-C: a
// process that runs as PID 1 gets no default signal handlers, so one that
// does not handle SIGTERM itself (busybox's httpd, sh) is killed only
// after Docker's 10 s grace period, unless the service has `init: true`.
func TestExampleServicesStopAtOnce(t *testing.T) {
	files, err := filepath.Glob("examples/*/compose*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Services map[string]struct {
				Image string `yaml:"image"`
				Build any    `yaml:"build"`
				Init  *bool  `yaml:"init"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for name, svc := range doc.Services {
			if svc.Image == "" && svc.Build == nil {
				continue // an override: the base file runs it
			}
			repo, _, _ := strings.Cut(filepath.Base(svc.Image), ":")
			if (svc.Init == nil || !*svc.Init) && !handlesSIGTERM[repo] {
				t.Errorf("%s: service %s has no `init: true`: down waits 10 s for it", file, name)
			}
		}
	}
}
