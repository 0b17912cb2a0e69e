package transform

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// rt is the runtime the tests pretend Telepresence and Docker returned.
func rt(intercepts map[string]Intercept) Runtime {
	return Runtime{
		Model:             telepresence.ModelNetns,
		TelemountReadOnly: true,
		DaemonContainer:   "tp-test",
		DaemonIP:          "172.20.0.2",
		VolumeDriver:      "telemount",
		Attachments:       intercepts,
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
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
	}{
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
		{
			name: "remote services go; depends_on is rewired through a chain of two, keeping conditions",
			in: `
services:
  web:
    image: web
    depends_on:
      api: {condition: service_healthy}
  api:
    image: api
    depends_on:
      db: {condition: service_started}
    x-telepresence: {behavior: remote}
  db:
    image: db
    depends_on:
      cache: {condition: service_healthy, restart: true}
      queue: {condition: service_completed_successfully}
    x-telepresence: {behavior: remote}
  cache:
    image: cache
  queue:
    image: queue
`,
			want: `
services:
  web:
    image: web
    depends_on:
      cache: {condition: service_healthy, restart: true, required: true}
      queue: {condition: service_completed_successfully, required: true}
  cache:
    image: cache
  queue:
    image: queue
networks:
  default: {name: telepresence, external: true}
`,
		},
		{
			name: "volumes, networks, secrets and configs that only remote services used are not created",
			in: `
services:
  web:
    image: web
    volumes: [shared:/shared]
    networks: [front]
    secrets: [both]
  db:
    image: db
    volumes: [dbdata:/var/lib/db, shared:/shared]
    networks: [back, front]
    secrets: [dbpass, both]
    configs: [dbconf]
    x-telepresence: {behavior: remote}
volumes:
  dbdata: {}
  shared: {}
  spare: {}
networks:
  back: {}
  front: {}
secrets:
  dbpass: {file: ./dbpass.txt}
  both: {file: ./both.txt}
configs:
  dbconf: {file: ./db.conf}
`,
			want: `
services:
  web:
    image: web
    volumes: [shared:/shared]
    networks: [front]
    secrets: [both]
volumes:
  shared: {}
  spare: {}
networks:
  front: {}
secrets:
  both: {file: ./both.txt}
`,
		},
		{
			name: "a network a netns handler shares with a remote service stays: the daemon joins it",
			in: `
services:
  echo:
    image: echo
    ports: ["80:80"]
    networks: [private]
    x-telepresence: {behavior: interceptHandler}
  db:
    image: db
    networks: [private]
    x-telepresence: {behavior: remote}
networks:
  private: {}
`,
			want: `
services:
  echo:
    image: echo
    network_mode: container:tp-test
networks:
  private: {}
`,
			wantNetworks: []NetworkAttachment{{Name: "p_private", Aliases: []string{"echo"}}},
		},
		{
			name: "a local service keeps its own dependency when a remote one brings the same",
			in: `
services:
  web:
    image: web
    depends_on:
      api: {condition: service_started}
      cache: {condition: service_started}
  api:
    image: api
    depends_on:
      cache: {condition: service_healthy}
    x-telepresence: {behavior: remote}
  cache:
    image: cache
`,
			want: `
services:
  web:
    image: web
    depends_on:
      cache: {condition: service_started, required: true}
  cache:
    image: cache
networks:
  default: {name: telepresence, external: true}
`,
		},
		{
			name: "flags win over the file and links to remote services are removed",
			in: `
services:
  web:
    image: web
    links: ["db:database"]
  db:
    image: db
    x-telepresence: {behavior: interceptHandler}
`,
			flags: Flags{Remotes: []string{"db=psql.data"}},
			want: `
services:
  web:
    image: web
networks:
  default: {name: telepresence, external: true}
`,
			wantWarnings: []string{`service "web": links: "db:database" removed: service "db" is remote`},
		},
		{
			name: "a service that shares the handler's network shares the daemon's instead",
			in: `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    x-telepresence: {behavior: interceptHandler}
  sidecar:
    image: sidecar
    network_mode: service:echo
`,
			want: `
services:
  echo:
    image: echo
    network_mode: container:tp-test
  sidecar:
    image: sidecar
    network_mode: container:tp-test
    depends_on:
      echo: {condition: service_started, restart: true, required: true}
networks:
  default: {name: telepresence, external: true}
`,
			wantWarnings: []string{`service "sidecar": network_mode: shares the network of handler "echo", so it now shares the network of the Telepresence daemon "tp-test"`},
		},
		{
			name: "develop.watch on a running service turns watch on",
			in: `
services:
  echo:
    build: .
    ports: ["8088:8088"]
    develop:
      watch:
        - {action: sync, path: ./src, target: /app}
    x-telepresence: {behavior: interceptHandler}
`,
			want: `
services:
  echo:
    build: .
    network_mode: container:tp-test
    develop:
      watch:
        - {action: sync, path: ./src, target: /app}
networks:
  default: {name: telepresence, external: true}
`,
			wantWatch: true,
		},
		{
			name: "develop.watch on a remote service does not",
			in: `
services:
  web:
    image: web
  api:
    build: .
    develop:
      watch:
        - {action: rebuild, path: ./src}
    x-telepresence: {behavior: remote}
`,
			want: `
services:
  web:
    image: web
networks:
  default: {name: telepresence, external: true}
`,
		},
	}
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
	want := map[string]string{LabelAttachment: "echo-server", LabelDaemonContainer: "tp-test"}
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
	res, err := Apply(project, mustIntent(t, project, Flags{}), Runtime{Model: telepresence.ModelNetns, DaemonContainer: "tp-daemon"})
	if err != nil {
		t.Fatal(err)
	}
	svc := res.Project.Services["echo"]
	if svc.NetworkMode != "container:tp-daemon" || len(svc.Environment) != 0 || len(svc.Volumes) != 0 {
		t.Errorf("want network mode only, got network_mode=%q env=%v volumes=%v", svc.NetworkMode, svc.Environment, svc.Volumes)
	}
	if _, ok := svc.CustomLabels[LabelAttachment]; ok {
		t.Errorf("no intercept exists, yet the handler is labelled with one")
	}
}

func TestApplyOutputLoadsBack(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    ports: ["8088:8088"]
    networks: [green, default]
    x-telepresence: {behavior: interceptHandler}
  db:
    image: db
    x-telepresence: {behavior: remote, mapping: {name: psql}}
  web:
    image: web
    depends_on: [db, echo]
networks:
  green: {}
`)
	res, err := Apply(project, mustIntent(t, project, Flags{}), rt(map[string]Intercept{"echo": {Name: "echo", MountPort: 2, Mounts: paths("/s")}}))
	if err != nil {
		t.Fatal(err)
	}
	out := yamlOf(t, res.Project)
	back, err := loadErr(t, out)
	if err != nil {
		t.Fatalf("the transformed project does not load back: %v\n%s", err, out)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range back.Services {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, []string{"echo", "web"}) {
		t.Errorf("services after load = %v", got)
	}
	if strings.Contains(out, ExtensionKey) {
		t.Errorf("the transformed project still carries %s:\n%s", ExtensionKey, out)
	}
}

func TestApplyQualifiesVolumeNamesThatWouldClash(t *testing.T) {
	project := load(t, `
services:
  a: {image: a, ports: ["80"], x-telepresence: {behavior: interceptHandler, intercept: {workload: wa}}}
  b: {image: b, ports: ["81"], x-telepresence: {behavior: interceptHandler, intercept: {workload: wb}}}
  c: {image: c, ports: ["82"], volumes: ["solo-0:/x"], x-telepresence: {behavior: interceptHandler, intercept: {workload: wc}}}
volumes:
  solo-0: {}
`)
	// The pods of wa and wb both name their container "app"; wc's is "solo",
	// and the project already has a volume solo-0.
	res, err := Apply(project, mustIntent(t, project, Flags{}), rt(map[string]Intercept{
		"a": {Name: "wa", MountPort: 1, Mounts: paths("/s"), Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"}},
		"b": {Name: "wb", MountPort: 1, Mounts: paths("/s"), Environment: map[string]string{"TELEPRESENCE_CONTAINER": "app"}},
		"c": {Name: "wc", MountPort: 1, Mounts: paths("/s"), Environment: map[string]string{"TELEPRESENCE_CONTAINER": "solo"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := telemountKeys(res.Project)
	if want := []string{"a-app-0", "b-app-0", "c-solo-0"}; !slices.Equal(got, want) {
		t.Errorf("volumes = %v, want %v", got, want)
	}
	if src := res.Project.Services["b"].Volumes[0].Source; src != "b-app-0" {
		t.Errorf("b mounts %q", src)
	}
}

func TestApplyBareEnvironmentEntryDoesNotHideThePodValue(t *testing.T) {
	project := load(t, `
services:
  echo:
    image: echo
    ports: ["80"]
    environment: [DB_HOST, MODE=local]
    x-telepresence: {behavior: interceptHandler}
`)
	// DB_HOST is not set in the (empty) environment of the load: nil value.
	res, err := Apply(project, mustIntent(t, project, Flags{}), rt(map[string]Intercept{
		"echo": {Name: "echo", Environment: map[string]string{"DB_HOST": "psql", "MODE": "cluster"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	env := res.Project.Services["echo"].Environment
	if env["DB_HOST"] == nil || *env["DB_HOST"] != "psql" || *env["MODE"] != "local" {
		t.Errorf("DB_HOST = %v, MODE = %v; want psql (pod) and local (compose)", env["DB_HOST"], env["MODE"])
	}
}
