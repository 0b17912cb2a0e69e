package transform

import "testing"

// TestApplyRemoteServices: what becomes of remote services, of what they
// alone used, of the services that depend on them, and of watch.
func TestApplyRemoteServices(t *testing.T) {
	runApplyCases(t, []applyCase{
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
	})
}
