package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
)

// A top-level mounts entry sets the policy of the pod volume a compose
// volume is mounted in place of, by name or by pattern, above what the
// traffic-agent reports; read-only attachments stay read-only.
func TestMountOverrides(t *testing.T) {
	base := `
x-tele:
  mounts: [%s]
services:
  api:
    image: api
    ports: ["80"]
    volumes: ["data:/data", "cache-1:/cache", "logs:/logs"]
    x-tele: {type: intercept}
volumes: {data: {}, cache-1: {}, logs: {}}
`
	pod := map[string]Intercept{"api": {Name: "api", MountPort: 1, Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"},
		Mounts: []Mount{{Path: "/cache", Policy: PolicyRemote}, {Path: "/data", Policy: PolicyRemote}, {Path: "/logs", Policy: PolicyRemoteReadOnly}}}}
	tests := []struct {
		name, mounts string
		// want is what is at each path: the compose volume (local) or a
		// Telemount volume, and whether it is read-only.
		want map[string]string
	}{
		{"none: the agent's", ``, map[string]string{"/cache": "app-0", "/data": "app-1", "/logs": "app-2:ro"}},
		{"local keeps the compose volume", `{volume: data, policy: local}`, map[string]string{"/cache": "app-0", "/data": "data", "/logs": "app-2:ro"}},
		{"ignore keeps it too", `{volume: data, policy: ignore}`, map[string]string{"/cache": "app-0", "/data": "data", "/logs": "app-2:ro"}},
		{"remoteReadOnly", `{volume: data, policy: remoteReadOnly}`, map[string]string{"/cache": "app-0", "/data": "app-1:ro", "/logs": "app-2:ro"}},
		{"remote over the agent's read-only", `{volume: logs, policy: Remote}`, map[string]string{"/cache": "app-0", "/data": "app-1", "/logs": "app-2"}},
		{"a pattern, unanchored", `{volumePattern: "ach", policy: local}`, map[string]string{"/cache": "cache-1", "/data": "app-1", "/logs": "app-2:ro"}},
		{"the first match wins", `{volumePattern: "^(data|logs)$", policy: remoteReadOnly}, {volume: data, policy: local}`,
			map[string]string{"/cache": "app-0", "/data": "app-1:ro", "/logs": "app-2:ro"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			project := load(t, fmt.Sprintf(base, tc.mounts))
			res, err := Apply(project, mustIntent(t, project, Flags{}), trt(pod))
			if err != nil {
				t.Fatal(err)
			}
			// What backs each path: the named volume the service keeps, by the
			// x-tele rule, redefined as the pod volume (app-<i>) or not.
			got := map[string]string{}
			for _, v := range res.Project.Services["api"].Volumes {
				got[v.Target] = strings.TrimPrefix(res.Project.Volumes[v.Source].Name, res.Project.Name+"_")
				if v.ReadOnly {
					got[v.Target] += ":ro"
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("volumes (-want +got):\n%s", d)
			}
		})
	}
}

// Telemount keeps one read-only flag per connection (an attachment's
// volumes share one): `ro` only when every volume of it is read-only, and
// only for a Telemount that knows it (0.1.6).
func TestTelemountReadOnlyFlag(t *testing.T) {
	project := load(t, `{services: {a: {image: x, ports: ["80"], volumes: ["rw:/rw", "ro:/ro"], x-tele: {type: intercept}},
  b: {image: x, volumes: ["logs:/ro"], x-tele: {type: ingest}}}, volumes: {rw: {}, ro: {}, logs: {}}}`)
	mixed := []Mount{{Path: "/rw", Policy: PolicyRemote}, {Path: "/ro", Policy: PolicyRemoteReadOnly}}
	pods := map[string]Intercept{
		"a": {Name: "a", MountPort: 1, Environment: map[string]string{"TELEPRESENCE_CONTAINER": "a"}, Mounts: mixed},
		"b": {Name: "b", MountPort: 2, Environment: map[string]string{"TELEPRESENCE_CONTAINER": "b"}, Mounts: []Mount{{Path: "/ro", Policy: PolicyRemoteReadOnly}}},
	}
	for _, takesRO := range []bool{true, false} {
		runtime := trt(pods)
		runtime.TelemountReadOnly = takesRO
		res, err := Apply(project, mustIntent(t, project, Flags{}), runtime)
		if err != nil {
			t.Fatal(err)
		}
		ro := map[string]string{}
		for key, v := range res.Project.Volumes {
			ro[key] = v.DriverOpts["ro"]
		}
		want := map[string]string{"rw": "", "ro": "", "logs": "true"}
		if !takesRO {
			want["logs"] = ""
		}
		if d := cmp.Diff(want, ro); d != "" {
			t.Errorf("Telemount knows ro: %v: ro options (-want +got):\n%s", takesRO, d)
		}
		if v := res.Project.Services["a"].Volumes; len(v) != 2 || v[0].ReadOnly || !v[1].ReadOnly {
			t.Errorf("the read-only path of a is a read-only mount: %+v", v)
		}
	}
}

// The pod's volumes by each front door's rule: x-telepresence's replaces
// whatever the service has at a pod volume's path, a bind mount included,
// with a Telemount volume of its own; x-tele's, as Telepresence's compose,
// mounts one only where the service has a named volume, redefines that
// volume (so that a service sharing it sees the pod's data), and leaves
// the other paths, the service account token's among them, alone.
func TestPodVolumesByFrontDoor(t *testing.T) {
	base := `
services:
  api:
    image: api
    ports: ["80"]
    volumes: ["data:/data", "./src:/src"]
    %s
  worker:
    image: worker
    volumes: ["data:/work"]
volumes: {data: {}}
`
	pod := map[string]Intercept{"api": {Name: "api", MountPort: 7, Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"},
		Mounts: []Mount{{Path: "/data", Policy: PolicyRemote}, {Path: "/src", Policy: PolicyRemote}, {Path: "/var/run/secrets/kubernetes.io", Policy: PolicyRemote}}}}
	backing := func(p *types.Project, service string) map[string]string {
		out := map[string]string{}
		for _, v := range p.Services[service].Volumes {
			out[v.Target] = v.Type
			if vol, ok := p.Volumes[v.Source]; ok && v.Type == types.VolumeTypeVolume {
				out[v.Target] = strings.TrimPrefix(vol.Name, p.Name+"_") + "/" + vol.Driver
			}
		}
		return out
	}
	for _, tc := range []struct {
		door        string
		api, worker map[string]string
	}{
		{"x-telepresence: {behavior: interceptHandler}",
			map[string]string{"/data": "app-0/telemount", "/src": "app-1/telemount", "/var/run/secrets/kubernetes.io": "app-2/telemount"},
			map[string]string{"/work": "data/"}},
		{"x-tele: {type: intercept}",
			map[string]string{"/data": "app-0/telemount", "/src": "bind"},
			map[string]string{"/work": "app-0/telemount"}},
	} {
		t.Run(tc.door, func(t *testing.T) {
			project := load(t, fmt.Sprintf(base, tc.door))
			in := mustIntent(t, project, Flags{})
			res, err := Apply(project, in, trt(pod))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.api, backing(res.Project, "api")); d != "" {
				t.Errorf("api (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.worker, backing(res.Project, "worker")); d != "" {
				t.Errorf("worker (-want +got):\n%s", d)
			}
			if !MountsPodVolumes(project, in, "api", pod["api"]) {
				t.Error("MountsPodVolumes says api mounts none")
			}
		})
	}
}
