package transform

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// rt is the runtime the tests pretend Telepresence and Docker returned.
func rt(intercepts map[string]Intercept) Runtime {
	return Runtime{
		Model:             vocab.ModelNetns,
		TelemountReadOnly: true,
		Daemons:           map[string]DaemonRuntime{"": {Container: "tp-test", IP: "172.20.0.2"}},
		VolumeDriver:      "telemount",
		Attachments:       intercepts,
	}
}

// applyCase is a compose file in, the project Apply makes of it out, and
// what else the result must say.
type applyCase struct {
	name       string
	in         string
	flags      Flags
	intercepts map[string]Intercept
	want       string
	// Result fields checked when set.
	wantWarnings []string
	wantNetworks []NetworkAttachment
	wantVolumes  []string
	wantWatch    bool
}

// TestApplyHandlers: what becomes of an intercept handler, its networks,
// volumes and keys.
func TestApplyHandlers(t *testing.T) {
	runApplyCases(t, []applyCase{
		{
			name: "handler shares the daemon network, gets the pod environment, compose values win",
			in: `
services:
  echo:
    image: echo
    environment:
      MODE: local
    ports: ["8088:8088"]
    expose: ["9000"]
    x-telepresence:
      behavior: interceptHandler
`,
			intercepts: map[string]Intercept{"echo": {Name: "echo", Environment: map[string]string{
				"TELEPRESENCE_CONTAINER": "echo-server", "MODE": "cluster", "DB_HOST": "psql"}}},
			want: `
services:
  echo:
    image: echo
    network_mode: container:tp-test
    environment:
      MODE: local
      DB_HOST: psql
      TELEPRESENCE_CONTAINER: echo-server
networks:
  default:
    name: telepresence
    external: true
`,
		},
		{
			name: "pod volumes replace the compose volume at the same target, other volumes stay",
			in: `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    volumes:
      - local-secrets:/var/run/secrets/kubernetes.io
      - data:/data
    x-telepresence:
      behavior: interceptHandler
volumes:
  local-secrets: {}
  data: {}
`,
			intercepts: map[string]Intercept{"echo": {Name: "echo-server", MountPort: 34439,
				Environment: map[string]string{"TELEPRESENCE_CONTAINER": "echo-server"},
				Mounts:      paths("/var/run/secrets/kubernetes.io", "/etc/config")}},
			want: `
services:
  echo:
    image: echo
    network_mode: container:tp-test
    environment:
      TELEPRESENCE_CONTAINER: echo-server
    volumes:
      - data:/data
      - echo-server-0:/var/run/secrets/kubernetes.io
      - echo-server-1:/etc/config
volumes:
  local-secrets: {}
  data: {}
  echo-server-0:
    driver: telemount
    driver_opts: {host: 172.20.0.2, port: "34439", container: echo-server, dir: /var/run/secrets/kubernetes.io}
    labels: {io.telepresence.compose.telemount: "true", io.telepresence.compose.intercept: echo-server, io.telepresence.compose.mount-index: "0", io.telepresence.compose.mount-policy: Remote}
  echo-server-1:
    driver: telemount
    driver_opts: {host: 172.20.0.2, port: "34439", container: echo-server, dir: /etc/config}
    labels: {io.telepresence.compose.telemount: "true", io.telepresence.compose.intercept: echo-server, io.telepresence.compose.mount-index: "1", io.telepresence.compose.mount-policy: Remote}
networks:
  default:
    name: telepresence
    external: true
`,
			wantVolumes: []string{"echo-server-0", "echo-server-1"},
		},
		{
			name: "mount: false mounts nothing",
			in: `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {mount: false}
`,
			intercepts: map[string]Intercept{"echo": {Name: "echo", MountPort: 1, Mounts: paths("/secrets")}},
			want: `
services:
  echo:
    image: echo
    network_mode: container:tp-test
networks:
  default: {name: telepresence, external: true}
`,
		},
		{
			name: "networks move from the handler to the daemon; other services reach the handler by name and alias",
			// On the default network through the handlers network.
			in: `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    networks:
      default:
        aliases: [api]
      green:
        aliases: [echo-green]
    x-telepresence:
      behavior: interceptHandler
  web:
    image: web
  worker:
    image: worker
    networks: [green]
networks:
  green: {}
`,
			want: `
services:
  echo:
    image: echo
    network_mode: container:tp-test
  web:
    image: web
    networks: [default, telepresence-handlers]
  worker:
    image: worker
    networks: [green]
networks:
  default: {name: telepresence, external: true}
  green: {}
  telepresence-handlers: {}
`,
			wantNetworks: []NetworkAttachment{
				{Name: "p_green", Aliases: []string{"echo", "echo-green"}},
				{Name: "p_telepresence-handlers", Aliases: []string{"api", "echo"}},
			},
		},
		{
			name: "keys the engine refuses with a container network mode are dropped with a warning",
			in: `
services:
  echo:
    image: echo
    hostname: echo.local
    dns: [1.1.1.1]
    extra_hosts: ["db:10.0.0.1"]
    mac_address: "02:42:ac:11:00:02"
    links: [web]
    external_links: [other]
    dns_search: [example.com]
    x-telepresence:
      behavior: interceptHandler
      intercept: {port: "8080:http"}
  web:
    image: web
`,
			want: `
services:
  echo:
    image: echo
    network_mode: container:tp-test
    dns_search: [example.com]
    depends_on:
      web: {condition: service_started, restart: true, required: true}
  web:
    image: web
    networks: [default, telepresence-handlers]
networks:
  default: {name: telepresence, external: true}
  telepresence-handlers: {}
`,
			wantNetworks: []NetworkAttachment{{Name: "p_telepresence-handlers", Aliases: []string{"echo"}}},
			wantWarnings: []string{`service "echo": dropped hostname, dns, extra_hosts, links, external_links, mac_address: ` +
				"the Docker Engine refuses them for a container that shares the network of the Telepresence daemon"},
		},
	})
}

func runApplyCases(t *testing.T, tests []applyCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			project := load(t, tc.in)
			before := yamlOf(t, project)
			snapshot := project.WithServicesDisabled() // a deep copy, fields outside the YAML included
			in := mustIntent(t, project, tc.flags)
			res, err := Apply(project, in, rt(tc.intercepts))
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			assertSameProject(t, res.Project, tc.want)
			if after := yamlOf(t, project); after != before {
				t.Errorf("Apply changed its input project:\n%s", cmp.Diff(before, after))
			}
			if !reflect.DeepEqual(snapshot, project) {
				t.Errorf("Apply changed its input project outside the YAML fields")
			}
			if d := cmp.Diff(tc.wantWarnings, res.Warnings); d != "" {
				t.Errorf("warnings (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantNetworks, res.DaemonNetworks); d != "" {
				t.Errorf("daemon networks (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantVolumes, telemountKeys(res.Project)); d != "" {
				t.Errorf("volumes (-want +got):\n%s", d)
			}
			plan, err := NewPlan(project, in)
			if err != nil {
				t.Fatal(err)
			}
			if watch := len(plan.Watch) > 0; watch != tc.wantWatch {
				t.Errorf("watch = %v, want %v", watch, tc.wantWatch)
			}
		})
	}
}

func TestApplyLabelsHandlerWithIntercept(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    x-telepresence: {behavior: interceptHandler}
`)
	// Compose's loader sets labels on every service: they must not be shared.
	echo := project.Services["echo"]
	echo.CustomLabels = map[string]string{"com.docker.compose.project": "p"}
	project.Services["echo"] = echo
	res, err := Apply(project, mustIntent(t, project, Flags{}), rt(map[string]Intercept{"echo": {Name: "echo-server"}}))
	if err != nil {
		t.Fatal(err)
	}
	got := res.Project.Services["echo"].CustomLabels
	want := map[string]string{labels.Attachment: "echo-server", labels.DaemonContainer: "tp-test"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("label %s = %q, want %q", k, got[k], v)
		}
	}
	if len(project.Services["echo"].CustomLabels) != 1 {
		t.Errorf("input project got labels: %v", project.Services["echo"].CustomLabels)
	}
}

func TestApplyWithoutInterceptsShowsStructureOnly(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    x-telepresence: {behavior: interceptHandler}
`)
	res, err := Apply(project, mustIntent(t, project, Flags{}), Runtime{Model: vocab.ModelNetns, Daemons: map[string]DaemonRuntime{"": {Container: "tp-daemon"}}})
	if err != nil {
		t.Fatal(err)
	}
	svc := res.Project.Services["echo"]
	if svc.NetworkMode != "container:tp-daemon" || len(svc.Environment) != 0 || len(svc.Volumes) != 0 {
		t.Errorf("want network mode only, got network_mode=%q env=%v volumes=%v", svc.NetworkMode, svc.Environment, svc.Volumes)
	}
	if _, ok := svc.CustomLabels[labels.Attachment]; ok {
		t.Errorf("no intercept exists, yet the handler is labelled with one")
	}
}
