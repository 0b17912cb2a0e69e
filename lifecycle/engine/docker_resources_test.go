package engine

import (
	"bytes"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
)

// Volumes by the project's label or by a label alone, with their labels
// and driver options; create and remove (a missing one is no error, one in
// use is).
func TestVolumesByLabel(t *testing.T) {
	api, e := newFakeAPI(t)
	api.on("GET /volumes", http.StatusOK, `{"Volumes": [
  {"Name": "proj_echo-0", "Driver": "telemount", "Labels": {"io.telepresence.compose.telemount": "true"},
   "Options": {"container": "echo", "dir": "/etc/podinfo", "host": "172.17.0.2", "port": "34439", "ro": "true"}},
  {"Name": "proj_telepresence-dns", "Driver": "local", "Labels": {"io.telepresence.compose.dns-mappings": "{}"}, "Options": null}
], "Warnings": null}`)
	want := []Volume{
		{Name: "proj_echo-0", Labels: map[string]string{"io.telepresence.compose.telemount": "true"},
			Options: map[string]string{"container": "echo", "dir": "/etc/podinfo", "host": "172.17.0.2", "port": "34439", "ro": "true"}},
		{Name: "proj_telepresence-dns", Labels: map[string]string{"io.telepresence.compose.dns-mappings": "{}"}},
	}
	got, err := e.ProjectVolumes(t.Context(), "proj")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ProjectVolumes (-want +got):\n%s", d)
	}
	if _, err := e.VolumesWithLabel(t.Context(), labels.DNSMappings); err != nil {
		t.Fatal(err)
	}
	api.on("POST /volumes/create", http.StatusCreated, `{"Name": "proj_telepresence-dns"}`)
	if err := e.CreateVolume(t.Context(), "proj_telepresence-dns", map[string]string{"com.docker.compose.project": "proj"}); err != nil {
		t.Fatal(err)
	}
	api.on("DELETE /volumes/proj_gone", http.StatusNotFound, notFound("volume"))
	api.on("DELETE /volumes/proj_echo-0", http.StatusConflict, `{"message":"remove proj_echo-0: volume is in use - [c1]"}`)
	if err := e.RemoveVolume(t.Context(), "proj_gone"); err != nil {
		t.Errorf("removing a missing volume: %v", err)
	}
	if err := e.RemoveVolume(t.Context(), "proj_echo-0"); err == nil || !strings.Contains(err.Error(), "volume is in use") {
		t.Errorf("removing a volume in use: %v", err)
	}
	calls := []string{
		`GET /volumes?filters={"label":{"com.docker.compose.project=proj":true}}`,
		`GET /volumes?filters={"label":{"io.telepresence.compose.dns-mappings":true}}`,
		`POST /volumes/create {"Labels":{"com.docker.compose.project":"proj"},"Name":"proj_telepresence-dns"}`,
		"DELETE /volumes/proj_gone",
		"DELETE /volumes/proj_echo-0",
	}
	if d := cmp.Diff(calls, api.requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

// A handler's environment beyond its image's: what `up` gave it. When the
// image cannot be inspected, all of it.
func TestContainerEnv(t *testing.T) {
	api, e := newFakeAPI(t)
	api.on("GET /containers/proj-echo-1/json", http.StatusOK, `{"Id": "c1", "Image": "sha256:img",
  "Config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "MODE=cluster", "DSN=postgres://u:p@db/x?a=b", "EMPTY=", "HOME=/root"]}}`)
	api.on("GET /images/sha256:img/json", http.StatusOK, `{"Id": "sha256:img", "Config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/app"]}}`)
	env, err := e.ContainerEnv(t.Context(), "proj-echo-1")
	if err != nil {
		t.Fatal(err)
	}
	// HOME differs from the image's: the container's own.
	want := map[string]string{"MODE": "cluster", "DSN": "postgres://u:p@db/x?a=b", "EMPTY": "", "HOME": "/root"}
	if d := cmp.Diff(want, env); d != "" {
		t.Errorf("ContainerEnv (-want +got):\n%s", d)
	}
	api.on("GET /images/sha256:img/json", http.StatusNotFound, notFound("image"))
	env, err = e.ContainerEnv(t.Context(), "proj-echo-1")
	if err != nil || len(env) != 5 {
		t.Errorf("with the image gone: %v, %v", env, err)
	}
	api.on("GET /containers/proj-echo-1/json", http.StatusNotFound, notFound("container"))
	if _, err := e.ContainerEnv(t.Context(), "proj-echo-1"); err == nil {
		t.Error("a missing container gave no error")
	}
}

const telemountRef = "ghcr.io/telepresenceio/telemount:amd64-0.3.2"

// Only volume plugins are listed, enabled or not.
func TestVolumePlugins(t *testing.T) {
	api, e := newFakeAPI(t)
	api.on("GET /plugins", http.StatusOK, `[
  {"Id": "p1", "Name": "`+telemountRef+`", "Enabled": true, "Config": {"Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "telemount.sock"}}},
  {"Id": "p2", "Name": "example/net:1", "Enabled": true, "Config": {"Interface": {"Types": ["docker.networkdriver/1.0"]}}},
  {"Id": "p3", "Name": "datawire/telemount:amd64-0.1.5", "Enabled": false, "Config": {"Interface": {"Types": ["docker.logdriver/1.0", "docker.volumedriver/1.0"]}}}
]`)
	got, err := e.VolumePlugins(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Plugin{{Name: telemountRef, Enabled: true}, {Name: "datawire/telemount:amd64-0.1.5"}}, got); d != "" {
		t.Errorf("VolumePlugins (-want +got):\n%s", d)
	}
}

// An enabled plugin is left alone, a disabled one enabled, a missing one
// installed with its privileges granted (the client enables it), showing
// its progress.
func TestInstallVolumePlugin(t *testing.T) {
	path := "/plugins/" + telemountRef
	t.Run("enabled", func(t *testing.T) {
		api, e := newFakeAPI(t)
		api.on("GET "+path+"/json", http.StatusOK, `{"Name": "`+telemountRef+`", "Enabled": true}`)
		if err := e.InstallVolumePlugin(t.Context(), telemountRef, telemountRef, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if got := api.requests(); len(got) != 1 {
			t.Errorf("requests: %v", got)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		api, e := newFakeAPI(t)
		api.on("GET "+path+"/json", http.StatusOK, `{"Name": "`+telemountRef+`", "Enabled": false}`)
		api.on("POST "+path+"/enable", http.StatusOK, ``)
		if err := e.InstallVolumePlugin(t.Context(), telemountRef, telemountRef, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if got := api.requests(); len(got) != 2 || got[1] != "POST "+path+"/enable?timeout=30" {
			t.Errorf("requests: %v", got)
		}
	})
	t.Run("missing", func(t *testing.T) {
		api, e := newFakeAPI(t)
		var installed atomic.Bool
		api.handle("GET "+path+"/json", func(w http.ResponseWriter, r *http.Request) {
			if !installed.Load() {
				answer(http.StatusNotFound, notFound("plugin"))(w, r)
				return
			}
			answer(http.StatusOK, `{"Name": "`+telemountRef+`", "Enabled": true}`)(w, r)
		})
		api.on("GET /plugins/privileges", http.StatusOK, `[{"Name": "network", "Value": ["host"]}, {"Name": "mount", "Value": ["/dev/fuse"]}]`)
		api.handle("POST /plugins/pull", func(w http.ResponseWriter, r *http.Request) {
			installed.Store(true)
			w.Header().Set("Docker-Plugin-Name", telemountRef)
			answer(http.StatusOK, `{"status":"Pulling from telepresenceio/telemount"}`+"\n"+`{"status":"Download complete"}`+"\n")(w, r)
		})
		api.on("POST "+path+"/enable", http.StatusOK, ``)
		var progress bytes.Buffer
		if err := e.InstallVolumePlugin(t.Context(), telemountRef, telemountRef, &progress); err != nil {
			t.Fatal(err)
		}
		if got := progress.String(); !strings.Contains(got, "Installing the Docker volume plugin "+telemountRef) || !strings.Contains(got, "Download complete") {
			t.Errorf("progress: %q", got)
		}
		got := api.requests()
		want := []string{
			"GET " + path + "/json",
			"GET /plugins/privileges?remote=" + telemountRef,
			"POST /plugins/pull?name=" + telemountRef + "&remote=" + telemountRef +
				` [{"Name":"network","Description":"","Value":["host"]},{"Name":"mount","Description":"","Value":["/dev/fuse"]}]`,
			"POST " + path + "/enable?timeout=0",
			"GET " + path + "/json",
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("requests (-want +got):\n%s", d)
		}
	})
	t.Run("denied", func(t *testing.T) {
		api, e := newFakeAPI(t)
		api.on("GET "+path+"/json", http.StatusNotFound, notFound("plugin"))
		api.on("GET /plugins/privileges", http.StatusInternalServerError, `{"message":"pull access denied"}`)
		err := e.InstallVolumePlugin(t.Context(), telemountRef, telemountRef, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "pull access denied") {
			t.Errorf("err = %v", err)
		}
	})
}

// The engine's architecture in Go terms, as the Telemount tag names it.
func TestArchitecture(t *testing.T) {
	for engine, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "s390x": "s390x"} {
		api, e := newFakeAPI(t)
		api.on("GET /info", http.StatusOK, `{"Architecture": "`+engine+`", "ServerVersion": "20.10.24"}`)
		if got, err := e.Architecture(t.Context()); err != nil || got != want {
			t.Errorf("Architecture for %s = %q, %v; want %q", engine, got, err, want)
		}
	}
	api, e := newFakeAPI(t)
	api.on("GET /info", http.StatusInternalServerError, `{"message":"boom"}`)
	if _, err := e.Architecture(t.Context()); err == nil {
		t.Error("an engine error gave no error")
	}
}

// HasImage answers from an image inspect: found, not found, or the
// engine's error.
func TestHasImage(t *testing.T) {
	api, e := newFakeAPI(t)
	api.on("GET /images/web:1/json", http.StatusOK, `{"Id": "sha256:abc"}`)
	api.on("GET /images/gone:1/json", http.StatusNotFound, notFound("image"))
	api.on("GET /images/bad:1/json", http.StatusInternalServerError, `{"message":"the engine broke"}`)
	for ref, want := range map[string]bool{"web:1": true, "gone:1": false} {
		if got, err := e.HasImage(t.Context(), ref); err != nil || got != want {
			t.Errorf("HasImage(%s) = %v, %v; want %v", ref, got, err, want)
		}
	}
	if _, err := e.HasImage(t.Context(), "bad:1"); err == nil || !strings.Contains(err.Error(), "the engine broke") {
		t.Errorf("HasImage on an engine error: %v", err)
	}
}
