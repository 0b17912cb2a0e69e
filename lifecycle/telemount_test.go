package lifecycle

import (
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// The Telemount plugin is installed only when a pod has volumes to mount.
func TestTelemountIsInstalledOnlyForPodVolumes(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.runner.VolumeDriver = ""
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if hasStep(f.j, "docker plugin install") {
		t.Errorf("installed the volume plugin for pods without volumes: %v", f.j.all())
	}
}

// When the plugin cannot be installed, the handlers run without the pod's
// volumes, with a line that says so, as Telepresence's own compose does.
func TestWithoutTelemountTheHandlersRunWithoutPodVolumes(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.runner.VolumeDriver = ""
	f.tp.mounts = []vocab.Mount{{Path: "/secrets", Policy: vocab.PolicyRemote}}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if want := "Telemount Disabled Remote mount disabled: installing the Telemount volume plugin ghcr.io/telepresenceio/telemount:amd64-0.3.2: pull access denied"; !strings.Contains(f.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, f.stderr.String())
	}
	if v := f.lastProject().Services["echo"].Volumes; len(v) != 0 || len(f.lastProject().Volumes) != 0 {
		t.Errorf("pod volumes without a driver: %v %v", v, f.lastProject().Volumes)
	}
}

// A handler that asks for the pod's volumes (mount: true) does not run
// without them: up fails and undoes what it did.
func TestMountTrueWithoutTelemountIsAnError(t *testing.T) {
	f := newFixture(t, edit(t, projectYAML, "{workload: echo-server}", "{workload: echo-server, mount: true}"), v220)
	f.runner.VolumeDriver = ""
	f.tp.mounts = []vocab.Mount{{Path: "/secrets", Policy: vocab.PolicyRemote}}
	err := f.up(t.Context(), true)
	if err == nil || !strings.Contains(err.Error(), "installing the Telemount volume plugin ghcr.io/telepresenceio/telemount:amd64-0.3.2, which the pod's volumes of echo need") ||
		!strings.Contains(err.Error(), "remove `mount: true`") {
		t.Fatalf("err = %v", err)
	}
	f.assertNothingLeft(t)
}

// A Telemount plugin that Telepresence installed is used as it is.
func TestUpReusesTheTelemountPluginTelepresenceInstalled(t *testing.T) {
	f := newFixture(t, projectYAML, v220)
	f.runner.VolumeDriver = ""
	f.tp.mounts = []vocab.Mount{{Path: "/secrets", Policy: vocab.PolicyRemote}}
	f.engine.Plugins = []engine.Plugin{{Name: "other/thing:1", Enabled: true}, {Name: "ghcr.io/telepresenceio/telemount:amd64-0.1.5", Enabled: true}}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if hasStep(f.j, "docker plugin install") {
		t.Errorf("installed a plugin although Telepresence's is enabled")
	}
	if d := f.lastProject().Volumes["echo-server-0"].Driver; d != "ghcr.io/telepresenceio/telemount:amd64-0.1.5" {
		t.Errorf("driver = %q", d)
	}
}

// An x-tele handler mounts a pod volume only where it has a named volume,
// as Telepresence's own compose: one without any asks for no volume plugin
// at all, whatever the pod has.
func TestXTeleHandlerWithoutVolumesAsksForNoPlugin(t *testing.T) {
	yaml := `
services:
  api:
    image: api
    ports: ["9000:9000"]
    x-tele: {type: intercept}
  web:
    image: web
    volumes: ["cache:/cache"]
    x-tele: {type: ingest, name: web}
volumes: {cache: {}}
`
	f := newFixture(t, yaml, v227)
	f.runner.VolumeDriver = ""
	f.tp.mounts = []vocab.Mount{{Path: "/var/run/secrets/kubernetes.io", Policy: vocab.PolicyRemote}}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if hasStep(f.j, "docker plugin install") {
		t.Errorf("installed the volume plugin for handlers without a named volume at a pod path: %v", f.j.all())
	}
	if v := f.lastProject().Volumes["cache"]; v.Driver != "" {
		t.Errorf("web's cache is redefined though the pod has nothing at /cache: %+v", v)
	}
}
