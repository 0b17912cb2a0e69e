package transform

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// trt is a Teleroute runtime as a 2.27 daemon named "cn" reports it.
func trt(intercepts map[string]Intercept) Runtime {
	return Runtime{
		Model: vocab.ModelTeleroute, TelemountReadOnly: true, VolumeDriver: "telemount", Attachments: intercepts,
		Daemons: map[string]DaemonRuntime{"": {Container: "tp-cn", ID: "d43m0n", IP: "172.17.0.2", Network: "cn", DNS: "172.30.0.2"}},
	}
}

func TestApplyTeleroute(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		intercepts   map[string]Intercept
		runtime      func(*Runtime)
		want         string
		wantWarnings []string
		wantVolumes  []string
	}{
		{
			name: "a handler keeps its networks, ports and names, and joins the Teleroute network under its address",
			in: `
services:
  echo:
    image: echo
    hostname: echo.local
    dns: [1.1.1.1]
    dns_search: [example.com]
    extra_hosts: ["db:10.0.0.1"]
    ports: ["127.0.0.1:8088:8088"]
    expose: ["9000"]
    networks:
      default:
        aliases: [api]
      green: {}
    environment: {MODE: local}
    x-telepresence: {behavior: interceptHandler}
  web:
    image: web
networks:
  green: {}
`,
			intercepts: map[string]Intercept{"echo": {Name: "echo", Environment: map[string]string{"MODE": "cluster", "DB": "psql"}}},
			want: `
services:
  echo:
    image: echo
    hostname: echo.local
    dns: [172.30.0.2, 1.1.1.1]
    dns_search: [example.com, tel2-search]
    extra_hosts: ["db:10.0.0.1"]
    ports: ["127.0.0.1:8088:8088"]
    expose: ["9000"]
    networks:
      default:
        aliases: [api]
      green: {}
      teleroute:
        aliases: [tp-p-echo]
    environment: {MODE: local, DB: psql}
  web:
    image: web
networks:
  green: {}
  teleroute: {name: cn, external: true}
`,
		},
		{
			name: "local services that depended on a remote one join the Teleroute network; others are untouched",
			in: `
services:
  web:
    image: web
    depends_on: [api]
  api:
    image: api
    depends_on: [db]
    x-telepresence: {behavior: remote}
  db:
    image: db
    x-telepresence: {behavior: remote}
  worker:
    image: worker
    x-telepresence: {cluster: true}
  cache:
    image: cache
  host:
    image: host
    network_mode: host
    depends_on: [db]
`,
			want: `
services:
  web:
    image: web
    dns: [172.30.0.2]
    dns_search: [tel2-search]
    networks: [default, teleroute]
  worker:
    image: worker
    dns: [172.30.0.2]
    dns_search: [tel2-search]
    networks: [default, teleroute]
  cache:
    image: cache
  host:
    image: host
    network_mode: host
networks:
  teleroute: {name: cn, external: true}
`,
			wantWarnings: []string{`service "host": network_mode "host" keeps it off the Telepresence network, so it cannot reach the remote services it depended on by name`},
		},
		{
			name: "pod volumes follow their policies; the Telemount host is the daemon's bridge IP",
			in: `
services:
  echo:
    image: echo
    ports: ["8088"]
    volumes: ["cache:/tmp/cache"]
    x-telepresence: {behavior: interceptHandler}
volumes:
  cache: {}
`,
			intercepts: map[string]Intercept{"echo": {Name: "echo", MountPort: 34439, Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"},
				Mounts: []Mount{{Path: "/data", Policy: PolicyRemote}, {Path: "/tmp/cache", Policy: PolicyLocal}, {Path: "/var/log/app", Policy: PolicyIgnore}, {Path: "/var/run/secrets", Policy: PolicyRemoteReadOnly}}}},
			want: `
services:
  echo:
    image: echo
    ports: ["8088"]
    dns: [172.30.0.2]
    dns_search: [tel2-search]
    networks: {default: null, teleroute: {aliases: [tp-p-echo]}}
    environment: {TELEPRESENCE_CONTAINER: app}
    volumes:
      - cache:/tmp/cache
      - app-0:/data
      - app-3:/var/run/secrets:ro
volumes:
  cache: {}
  app-0:
    driver: telemount
    driver_opts: {host: 172.17.0.2, port: "34439", container: app, dir: /data}
    labels: {io.telepresence.compose.telemount: "true", io.telepresence.compose.intercept: echo, io.telepresence.compose.mount-index: "0", io.telepresence.compose.mount-policy: Remote}
  app-3:
    driver: telemount
    driver_opts: {host: 172.17.0.2, port: "34439", container: app, dir: /var/run/secrets}
    labels: {io.telepresence.compose.telemount: "true", io.telepresence.compose.intercept: echo, io.telepresence.compose.mount-index: "3", io.telepresence.compose.mount-policy: RemoteReadOnly}
networks:
  teleroute: {name: cn, external: true}
`,
			wantVolumes: []string{"app-0", "app-3"},
		},
		{
			name: "networks the project creates get subnets clear of the cluster's and of Docker's; a network with IPAM keeps it",
			in: `
services:
  web:
    image: web
    networks: [default, back, fixed]
networks:
  back: {}
  fixed:
    ipam:
      config: [{subnet: 10.5.0.0/24}]
  outside:
    external: true
`,
			runtime: func(rt *Runtime) {
				rt.Daemons[""] = withSubnets(rt.Daemons[""], "172.16.0.0/16", "10.96.0.0/12")
				rt.TakenSubnets = []string{"172.17.0.0/16", "172.18.0.0/24"}
				rt.ProjectSubnets = map[string]string{"p_back": "172.18.5.0/24"}
			},
			want: `
services:
  web:
    image: web
    networks: [default, back, fixed]
networks:
  default:
    ipam: {config: [{subnet: 172.18.1.0/24}]}
  back:
    ipam: {config: [{subnet: 172.18.5.0/24}]}
  fixed:
    ipam:
      config: [{subnet: 10.5.0.0/24}]
  outside:
    external: true
`,
		},
		{
			name: "a network that exists on a cluster subnet gets a new one",
			in: `
services:
  web: {image: web}
`,
			runtime: func(rt *Runtime) {
				rt.Daemons[""] = withSubnets(rt.Daemons[""], "172.20.0.0/16")
				rt.ProjectSubnets = map[string]string{"p_default": "172.20.3.0/24"}
			},
			want: `
services:
  web: {image: web}
networks:
  default:
    ipam: {config: [{subnet: 172.16.0.0/24}]}
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			project := load(t, tc.in)
			before := yamlOf(t, project)
			runtime := trt(tc.intercepts)
			if tc.runtime != nil {
				tc.runtime(&runtime)
			}
			res, err := Apply(project, mustIntent(t, project, Flags{}), runtime)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			assertSameProject(t, res.Project, tc.want)
			if after := yamlOf(t, project); after != before {
				t.Errorf("Apply changed its input project:\n%s", cmp.Diff(before, after))
			}
			if d := cmp.Diff(tc.wantWarnings, res.Warnings); d != "" {
				t.Errorf("warnings (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantVolumes, telemountKeys(res.Project)); d != "" {
				t.Errorf("volumes (-want +got):\n%s", d)
			}
			if len(res.DaemonNetworks) > 0 {
				t.Errorf("the daemon joins no network in the Teleroute model: %v", res.DaemonNetworks)
			}
		})
	}
}

// Handlers of the netns model join the namespace of the daemon container
// itself, so that a daemon restarted under the same name changes their
// configuration, and Compose recreates them.
func TestNetnsHandlerKeysOnTheDaemonContainerID(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    ports: ["80"]
    networks: [green]
    x-telepresence: {behavior: interceptHandler}
  side:
    image: side
    network_mode: service:echo
  client:
    image: client
    networks: [green]
networks:
  green: {}
`)
	runtime := rt(map[string]Intercept{"echo": {Name: "echo"}})
	d := runtime.Daemons[""]
	d.ID = "0123abcd"
	runtime.Daemons[""] = d
	res, err := Apply(project, mustIntent(t, project, Flags{}), runtime)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"echo", "side"} {
		if m := res.Project.Services[s].NetworkMode; m != "container:0123abcd" {
			t.Errorf("%s: network_mode = %q", s, m)
		}
	}
	if l := res.Project.Services["echo"].CustomLabels[labels.DaemonNetworks]; l != "p_green" {
		t.Errorf("the handler does not record the networks the daemon joined for it: %q", l)
	}
}

// Policies hold in the netns model too (Telepresence 2.22 prints them).
func TestNetnsHonoursMountPolicies(t *testing.T) {
	project := load(t, `
services:
  echo: {image: echo, ports: ["80"], x-telepresence: {behavior: interceptHandler}}
`)
	res, err := Apply(project, mustIntent(t, project, Flags{}), rt(map[string]Intercept{"echo": {Name: "echo", Mounts: []Mount{
		{Path: "/ro", Policy: PolicyRemoteReadOnly}, {Path: "/local", Policy: PolicyLocal}}}}))
	if err != nil {
		t.Fatal(err)
	}
	vols := res.Project.Services["echo"].Volumes
	if len(vols) != 1 || vols[0].Target != "/ro" || !vols[0].ReadOnly || res.Project.Volumes["echo-0"].DriverOpts["ro"] != "true" {
		t.Errorf("volumes = %+v", vols)
	}
}

func TestValidateReservedNamesAndClusterOptIn(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{`
services: {web: {image: web}}
networks: {teleroute: {}}
`, `networks.teleroute: the project declares a network of a name the plugin needs`},
		{`
services: {web: {image: web}}
networks: {telepresence-handlers: {}}
`, `networks.telepresence-handlers: the project declares a network of a name the plugin needs`},
		{`
services: {web: {image: web, network_mode: host, x-telepresence: {cluster: true}}}
`, `service "web": x-telepresence.cluster: a service with network_mode "host" cannot join the Telepresence network`},
	} {
		p := load(t, tc.yaml)
		_, err := NewPlan(p, mustIntent(t, p, Flags{}))
		assertErrorContains(t, err, tc.want)
	}
	p := load(t, `
services: {web: {image: web, x-telepresence: {behavior: remote, cluster: true}}}
`)
	_, err := ParseIntent(p, Flags{})
	assertErrorContains(t, err, `x-telepresence.cluster: cluster is only for behavior local, this service is remote`)
}

func TestFreeSubnet(t *testing.T) {
	avoid := parsePrefixes([]string{"172.16.0.0/12", "192.168.0.0/16", "10.0.0.0/9", "10.128.0.5"})
	p, ok := freeSubnet(avoid)
	if !ok || p != netip.MustParsePrefix("10.128.1.0/24") {
		t.Errorf("freeSubnet = %v %v; want the first /24 after what is taken", p, ok)
	}
	if _, ok := freeSubnet(parsePrefixes([]string{"0.0.0.0/0"})); ok {
		t.Errorf("found a subnet where none is free")
	}
	if !strings.HasPrefix(next24(netip.MustParsePrefix("10.0.255.0/24")).String(), "10.1.0.0") {
		t.Errorf("next24 does not carry")
	}
}

func withSubnets(d DaemonRuntime, subnets ...string) DaemonRuntime {
	d.Subnets = subnets
	return d
}
