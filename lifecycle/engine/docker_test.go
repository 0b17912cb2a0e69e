package engine

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
)

// daemonJSON is `docker inspect` of a Teleroute daemon container as Engine
// 20.10 answers it (API 1.41), with the networks given.
func daemonJSON(networks string) string {
	return `{"Id": "0123456789abcdef0123", "Name": "/tp-test",
  "State": {"Status": "running", "Running": true},
  "NetworkSettings": {
    "Ports": {
      "4038/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49321"}],
      "8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}],
      "8443/tcp": [{"HostIp": "", "HostPort": "8443"}],
      "9000/tcp": [{"HostIp": "::1", "HostPort": "49400"}],
      "9443/tcp": [{"HostIp": "192.168.1.5", "HostPort": "9443"}],
      "9999/tcp": null
    },
    "Networks": {` + networks + `}
  }}`
}

// The daemon's networks with its IP on each, and where each published
// port answers on this host: a binding to all addresses on loopback (IPv6
// bracketed), an exposed but unpublished port not at all.
func TestInspectDaemon(t *testing.T) {
	published := map[string][]string{
		"4038/tcp": {"127.0.0.1:49321"},
		"8080/tcp": {"127.0.0.1:8080", "[::1]:8080"},
		"8443/tcp": {"127.0.0.1:8443"},
		"9000/tcp": {"[::1]:49400"},
		"9443/tcp": {"192.168.1.5:9443"},
	}
	for _, tc := range []struct {
		name, networks string
		want           map[string]Endpoint
	}{
		{
			name: "IPv4",
			networks: `"bridge": {"IPAddress": "172.17.0.2", "GlobalIPv6Address": ""},
			"test": {"IPAddress": "172.30.0.2", "Aliases": ["tp-test", "0123456789ab"]}`,
			want: map[string]Endpoint{"bridge": {IP: "172.17.0.2"}, "test": {IP: "172.30.0.2", Aliases: []string{"tp-test", "0123456789ab"}}},
		},
		{
			// Upstream takes the IPv4 address when there is one, else the
			// IPv6 one (pkg/client/docker/daemon.go, GetContainerInfo and
			// tryLaunch).
			name: "dual stack",
			networks: `"bridge": {"IPAddress": "172.17.0.2", "GlobalIPv6Address": "fd00::2"},
			"test": {"IPAddress": "172.30.0.2", "GlobalIPv6Address": "fd00:1::2"}`,
			want: map[string]Endpoint{"bridge": {IP: "172.17.0.2"}, "test": {IP: "172.30.0.2"}},
		},
		{
			name: "IPv6 only",
			networks: `"bridge": {"IPAddress": "", "GlobalIPv6Address": "fd00::2"},
			"test": {"IPAddress": "", "GlobalIPv6Address": "fd00:1::2", "Aliases": ["tp-test"]}`,
			want: map[string]Endpoint{"bridge": {IP: "fd00::2"}, "test": {IP: "fd00:1::2", Aliases: []string{"tp-test"}}},
		},
		{
			name:     "no address yet",
			networks: `"bridge": {"IPAddress": "", "GlobalIPv6Address": ""}`,
			want:     map[string]Endpoint{"bridge": {}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, e := newFakeAPI(t)
			api.on("GET /containers/tp-test/json", http.StatusOK, daemonJSON(tc.networks))
			info, err := e.InspectDaemon(t.Context(), "tp-test")
			if err != nil {
				t.Fatal(err)
			}
			want := DaemonInfo{Container: "tp-test", ID: "0123456789abcdef0123", Running: true, Networks: tc.want, Published: published}
			if d := cmp.Diff(want, info); d != "" {
				t.Errorf("InspectDaemon (-want +got):\n%s", d)
			}
		})
	}
}

func TestInspectDaemonThatIsGoneOrStopped(t *testing.T) {
	api, e := newFakeAPI(t)
	api.on("GET /containers/tp-gone/json", http.StatusNotFound, notFound("container: tp-gone"))
	api.on("GET /containers/tp-stopped/json", http.StatusOK, `{"Id": "abc", "State": {"Status": "exited", "Running": false}}`)
	_, err := e.InspectDaemon(t.Context(), "tp-gone")
	if !errdefs.IsNotFound(err) || !strings.Contains(err.Error(), `inspecting the Telepresence daemon container "tp-gone"`) {
		t.Errorf("a missing daemon container: %v", err)
	}
	info, err := e.InspectDaemon(t.Context(), "tp-stopped")
	if err != nil || info.Running || info.ID != "abc" || len(info.Networks)+len(info.Published) != 0 {
		t.Errorf("a stopped daemon container: %+v, %v", info, err)
	}
}

// Containers of any state: Running only when running, Started once it has
// run (any state but created); names without their slash; the project and
// service from Compose's labels.
func TestContainersAndTheirState(t *testing.T) {
	api, e := newFakeAPI(t)
	api.on("GET /containers/json", http.StatusOK, `[
  {"Id": "c1", "Names": ["/proj-echo-1"], "State": "running",
   "Labels": {"com.docker.compose.project": "proj", "com.docker.compose.service": "echo", "io.telepresence.compose.intercept": "echo-server"}},
  {"Id": "c2", "Names": ["/proj-web-1"], "State": "created", "Labels": {"com.docker.compose.project": "proj", "com.docker.compose.service": "web"}},
  {"Id": "c3", "Names": ["/proj-db-1"], "State": "exited", "Labels": {"com.docker.compose.project": "proj", "com.docker.compose.service": "db"}},
  {"Id": "c4", "Names": [], "State": "paused", "Labels": {}}
]`)
	want := []Container{
		{Name: "proj-echo-1", Project: "proj", Service: "echo", Running: true, Started: true,
			Labels: map[string]string{"com.docker.compose.project": "proj", "com.docker.compose.service": "echo", "io.telepresence.compose.intercept": "echo-server"}},
		{Name: "proj-web-1", Project: "proj", Service: "web", Labels: map[string]string{"com.docker.compose.project": "proj", "com.docker.compose.service": "web"}},
		{Name: "proj-db-1", Project: "proj", Service: "db", Started: true, Labels: map[string]string{"com.docker.compose.project": "proj", "com.docker.compose.service": "db"}},
		{Name: "c4", Started: true, Labels: map[string]string{}},
	}
	got, err := e.ProjectContainers(t.Context(), "proj")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ProjectContainers (-want +got):\n%s", d)
	}
	if _, err := e.ContainersWithLabel(t.Context(), "io.telepresence.compose.daemon-container", "tp-test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PortUsers(t.Context(), "18088"); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{
		`GET /containers/json?all=1&filters={"label":{"com.docker.compose.project=proj":true}}`,
		`GET /containers/json?all=1&filters={"label":{"io.telepresence.compose.daemon-container=tp-test":true}}`,
		`GET /containers/json?filters={"publish":{"18088":true}}`,
	}, api.requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	api.on("GET /containers/json", http.StatusInternalServerError, `{"message":"boom"}`)
	if _, err := e.ContainersWithLabel(t.Context(), "k", "v"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("an engine error: %v", err)
	}
}

// Every network with its subnets (IPv4 and IPv6); the project's networks
// with their containers, sorted, skipping one removed meanwhile.
func TestNetworks(t *testing.T) {
	api, e := newFakeAPI(t)
	list := `[
  {"Name": "proj_default", "Id": "n1", "Labels": {"com.docker.compose.project": "proj"},
   "IPAM": {"Config": [{"Subnet": "172.16.0.0/24", "Gateway": "172.16.0.1"}, {"Subnet": "fd00:16::/64"}]}},
  {"Name": "proj_gone", "Id": "n2", "Labels": {"com.docker.compose.project": "proj"}, "IPAM": {"Config": []}},
  {"Name": "bridge", "Id": "n3", "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}}
]`
	api.on("GET /networks", http.StatusOK, list)
	api.on("GET /networks/n1", http.StatusOK, `{"Name": "proj_default", "Id": "n1",
  "Containers": {"c2": {"Name": "tp-test"}, "c1": {"Name": "proj-echo-1"}}}`)
	api.on("GET /networks/n2", http.StatusNotFound, notFound("network n2"))
	api.on("GET /networks/n3", http.StatusOK, `{"Name": "bridge", "Id": "n3", "Containers": {}}`)
	all, err := e.ListNetworks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []Network{
		{Name: "proj_default", Labels: map[string]string{"com.docker.compose.project": "proj"}, Subnets: []string{"172.16.0.0/24", "fd00:16::/64"}},
		{Name: "proj_gone", Labels: map[string]string{"com.docker.compose.project": "proj"}},
		{Name: "bridge", Subnets: []string{"172.17.0.0/16"}},
	}
	if d := cmp.Diff(want, all); d != "" {
		t.Errorf("ListNetworks (-want +got):\n%s", d)
	}
	own, err := e.ProjectNetworks(t.Context(), "proj")
	if err != nil {
		t.Fatal(err)
	}
	want[0].Containers = []string{"proj-echo-1", "tp-test"}
	if d := cmp.Diff(want[:1], own[:1]); d != "" || len(own) != 2 {
		t.Errorf("ProjectNetworks (-want +got):\n%s\n%+v", d, own)
	}
	if got := api.requests(); !slices.Contains(got, `GET /networks?filters={"label":{"com.docker.compose.project=proj":true}}`) {
		t.Errorf("the project's networks are not listed by its label: %v", got)
	}
}

// Connecting passes the aliases; disconnecting forces, and a container
// that is gone or not attached (in any of the Engine's words) is no error.
func TestConnectAndDisconnect(t *testing.T) {
	api, e := newFakeAPI(t)
	api.on("POST /networks/teleroute/connect", http.StatusOK, ``)
	if err := e.ConnectNetwork(t.Context(), "teleroute", "proj-echo-1", []string{"tp-proj-echo"}); err != nil {
		t.Fatal(err)
	}
	if got := api.requests(); len(got) != 1 || !strings.HasPrefix(got[0], `POST /networks/teleroute/connect {"Container":"proj-echo-1",`) ||
		!strings.Contains(got[0], `"Aliases":["tp-proj-echo"]`) {
		t.Errorf("connect request: %v", got)
	}
	for _, tc := range []struct {
		status int
		body   string
		fails  bool
	}{
		{http.StatusOK, ``, false},
		{http.StatusNotFound, notFound("network teleroute"), false},
		{http.StatusInternalServerError, `{"message":"container 0123 is not connected to network teleroute"}`, false},
		{http.StatusForbidden, `{"message":"container 0123 is not connected to the network teleroute"}`, false},
		{http.StatusInternalServerError, `{"message":"container proj-echo-1 is marked for removal and cannot be connected or disconnected to the network"}`, false},
		{http.StatusInternalServerError, `{"message":"No such container: proj-echo-1"}`, false},
		{http.StatusInternalServerError, `{"message":"driver failed programming external connectivity"}`, true},
	} {
		api.on("POST /networks/teleroute/disconnect", tc.status, tc.body)
		err := e.DisconnectNetwork(t.Context(), "teleroute", "proj-echo-1")
		if (err != nil) != tc.fails {
			t.Errorf("disconnect answered %d %s: err = %v", tc.status, tc.body, err)
		}
	}
	if got := api.requests(); got[1] != `POST /networks/teleroute/disconnect {"Container":"proj-echo-1","Force":true}` {
		t.Errorf("disconnect request: %v", got[1])
	}
}

// A container's networks, with its address and aliases on each.
func TestContainerNetworks(t *testing.T) {
	api, e := newFakeAPI(t)
	api.on("GET /containers/proj-echo-1/json", http.StatusOK, `{"Id": "c1", "NetworkSettings": {"Networks": {
  "proj_default": {"IPAddress": "172.16.0.2", "Aliases": ["proj-echo-1", "echo"]},
  "test": {"IPAddress": "", "GlobalIPv6Address": "fd00:1::5", "Aliases": null}}}}`)
	got, err := e.ContainerNetworks(t.Context(), "proj-echo-1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Endpoint{"proj_default": {IP: "172.16.0.2", Aliases: []string{"proj-echo-1", "echo"}}, "test": {IP: "fd00:1::5"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ContainerNetworks (-want +got):\n%s", d)
	}
	api.on("GET /containers/proj-echo-1/json", http.StatusNotFound, notFound("container"))
	if _, err := e.ContainerNetworks(t.Context(), "proj-echo-1"); !errdefs.IsNotFound(err) {
		t.Errorf("a missing container: %v", err)
	}
}
