package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
)

// These tests prove the stand-ins honour the contract of SPEC §5 against
// the real engine, so scenario tests can trust them. They do not need the
// plugin.

// tpStatus is the part of `status --output json` the tests look at.
type tpStatus struct {
	Daemon *struct {
		Running          bool     `json:"running"`
		InDocker         bool     `json:"in_docker"`
		Name             string   `json:"name"`
		DaemonPort       int      `json:"daemon_port"`
		ContainerNetwork string   `json:"container_network"`
		ExposedPorts     []string `json:"exposedPorts"`
		Status           string   `json:"status"`
		Namespace        string   `json:"namespace"`
	} `json:"daemon"`
	UserDaemon *struct {
		Running bool   `json:"running"`
		Status  string `json:"status"`
	} `json:"user_daemon"`
}

func mustTP(t *testing.T, e *Env, args ...string) string {
	t.Helper()
	out, _, err := e.Telepresence(args...)
	if err != nil {
		t.Fatalf("telepresence %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func standinStatus(t *testing.T, e *Env) tpStatus {
	t.Helper()
	var s tpStatus
	out := mustTP(t, e, "status", "--output", "json")
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("status is not JSON: %v: %q", err, out)
	}
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestStandinConnectExposeQuit(t *testing.T) {
	e := newEnv(t)
	if s := standinStatus(t, e); s.Daemon != nil || s.UserDaemon == nil || s.UserDaemon.Running {
		t.Fatalf("status before connect: want user_daemon not running, got %+v", s)
	}
	port := freePort(t)
	expose := fmt.Sprintf("127.0.0.1:%d:8088", port)
	mustTP(t, e, "connect", "--docker", "--context=tpe2e", "--namespace", "ns1", "--expose", expose)

	s := standinStatus(t, e)
	if s.Daemon == nil || !s.Daemon.Running || !s.Daemon.InDocker || s.Daemon.Status != "Connected" ||
		s.Daemon.Name != "tpe2e-ns1" || s.Daemon.ContainerNetwork != "container:tp-tpe2e-ns1" ||
		s.Daemon.Namespace != "ns1" || s.Daemon.DaemonPort == 0 ||
		!reflect.DeepEqual(s.Daemon.ExposedPorts, []string{expose}) {
		t.Fatalf("unexpected status after connect: %+v", s.Daemon)
	}
	nets, err := e.Docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "tp-tpe2e-ns1")
	if err != nil || strings.TrimSpace(nets) != "telepresence" {
		t.Fatalf("daemon container networks: %q, %v", nets, err)
	}

	// A second connect is a no-op.
	if out := mustTP(t, e, "connect", "--docker", "--context=tpe2e", "--namespace", "ns1"); !strings.Contains(out, "already connected") {
		t.Errorf("second connect: %q", out)
	}

	// A handler sharing the daemon's network namespace is reachable through
	// the port the daemon publishes.
	_, err = e.Docker("run", "-d", "--name", "tpe2e-handler-"+e.Project, "--label", daemonLabel,
		"--network", "container:tp-tpe2e-ns1", busyboxImage,
		"sh", "-c", "mkdir -p /www && echo hello-from-handler > /www/index.html && exec httpd -f -p 8088 -h /www")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = e.Docker("rm", "-f", "tpe2e-handler-"+e.Project) })
	code, body, err := e.HTTPGet(fmt.Sprintf("127.0.0.1:%d", port), "/")
	if err != nil || code != 200 || body != "hello-from-handler\n" {
		t.Fatalf("GET through the exposed port: %d %q %v", code, body, err)
	}

	mustTP(t, e, "quit")
	if _, err := e.Docker("inspect", "tp-tpe2e-ns1"); err == nil {
		t.Fatal("daemon container still exists after quit")
	}
	if s := standinStatus(t, e); s.Daemon != nil {
		t.Fatalf("status after quit: %+v", s.Daemon)
	}
}

func TestStandinIntercept(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{
		DaemonName: e.Project,
		Intercepts: map[string]InterceptFixture{
			"echo":     {Environment: map[string]string{"DB_HOST": "psql"}, Mounts: []string{"/var/run/secrets", "/data"}},
			"echo-map": {Mounts: []string{"/data"}, MountsAsMap: true, MountPort: 4444},
			"broken":   {Fail: "boom"},
		},
	})
	interceptArgs := []string{"--port", "8088:http", "--detailed-output", "--output", "json"}
	if _, stderr, err := e.Telepresence(append([]string{"intercept", "echo"}, interceptArgs...)...); err == nil || !strings.Contains(stderr, "not connected") {
		t.Fatalf("intercept before connect: want 'not connected' error, got %v %q", err, stderr)
	}
	mustTP(t, e, "connect", "--docker")

	var got struct {
		Name        string            `json:"name"`
		Disposition string            `json:"disposition"`
		Environment map[string]string `json:"environment"`
		Mount       *struct {
			Port   int `json:"port"`
			Mounts any `json:"mounts"`
		} `json:"mount"`
	}
	out := mustTP(t, e, append([]string{"intercept", "echo"}, interceptArgs...)...)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("intercept output: %v: %q", err, out)
	}
	wantEnv := map[string]string{"DB_HOST": "psql", "TELEPRESENCE_CONTAINER": "echo", "TELEPRESENCE_MOUNTS": "/var/run/secrets:/data"}
	if got.Name != "echo" || got.Disposition != "ACTIVE" || !reflect.DeepEqual(got.Environment, wantEnv) ||
		got.Mount == nil || got.Mount.Port != 34439 || !reflect.DeepEqual(got.Mount.Mounts, []any{"/var/run/secrets", "/data"}) {
		t.Fatalf("intercept echo: %s", out)
	}

	out, _, err := e.Telepresence(append([]string{"intercept", "echo"}, interceptArgs...)...)
	if err == nil || !strings.Contains(out, `"err":"intercept echo already exists"`) {
		t.Fatalf("second intercept echo: want already exists, got %v %q", err, out)
	}

	got.Mount = nil
	out = mustTP(t, e, "intercept", "echo-map", "--port=8080", "--http-header", "x-dev=alice", "--detailed-output", "--output=json")
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Mount == nil || got.Mount.Port != 4444 ||
		!reflect.DeepEqual(got.Mount.Mounts, map[string]any{"/data": "ReadOnly"}) {
		t.Fatalf("intercept echo-map: %v %s", err, out)
	}

	out, _, err = e.Telepresence(append([]string{"intercept", "broken"}, interceptArgs...)...)
	if err == nil || strings.TrimSpace(out) != `{"err":"boom"}` {
		t.Fatalf("failing intercept: want exit 1 and {\"err\":\"boom\"}, got %v %q", err, out)
	}

	out = mustTP(t, e, "intercept", "nomount", "--port", "9000", "--mount=false", "--detailed-output", "--output", "json")
	if strings.Contains(out, `"mount"`) || !strings.Contains(out, `"TELEPRESENCE_CONTAINER":"nomount"`) {
		t.Fatalf("intercept --mount=false: %s", out)
	}

	if got, want := e.ActiveIntercepts(), []string{"echo", "echo-map", "nomount"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("active intercepts: %v, want %v", got, want)
	}
	mustTP(t, e, "leave", "echo")
	if _, stderr, err := e.Telepresence("leave", "echo"); err == nil || !strings.Contains(stderr, "intercept echo not found") {
		t.Fatalf("second leave: %v %q", err, stderr)
	}
	if got, want := e.ActiveIntercepts(), []string{"echo-map", "nomount"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("active intercepts after leave: %v, want %v", got, want)
	}

	// Every call is recorded, failing ones included.
	calls := e.Calls()
	var names []string
	for _, c := range calls {
		names = append(names, strings.Join(c[:min(2, len(c))], " "))
	}
	want := []string{"intercept echo", "connect --docker", "intercept echo", "intercept echo",
		"intercept echo-map", "intercept broken", "intercept nomount", "leave echo", "leave echo"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("calls: %q, want %q", names, want)
	}
	if !reflect.DeepEqual(calls[4], []string{"intercept", "echo-map", "--port=8080", "--http-header", "x-dev=alice", "--detailed-output", "--output=json"}) {
		t.Fatalf("call args not kept verbatim: %q", calls[4])
	}
}

func TestStandinFixtureSwitches(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{ConnectFail: "no cluster"})
	if _, stderr, err := e.Telepresence("connect", "--docker"); err == nil || !strings.Contains(stderr, "telepresence connect: error: no cluster") {
		t.Fatalf("connect_fail: %v %q", err, stderr)
	}
	if out, _, err := e.Telepresence("connect", "--docker", "--output", "json"); err == nil || strings.TrimSpace(out) != `{"err":"no cluster"}` {
		t.Fatalf("connect_fail with --output json: %v %q", err, out)
	}
	e.WriteFixture(Fixture{})
	if _, _, err := e.Telepresence("connect"); err == nil {
		t.Fatal("connect without --docker must fail")
	}
	e.WriteFixture(Fixture{StatusOutput: "not json at all\n"})
	if out := mustTP(t, e, "status", "--output", "json"); out != "not json at all\n" {
		t.Fatalf("status_output: %q", out)
	}
	e.WriteFixture(Fixture{NonDocker: true})
	if s := standinStatus(t, e); s.Daemon != nil || s.UserDaemon == nil || !s.UserDaemon.Running {
		t.Fatalf("non_docker status: %+v", s)
	}
	if _, _, err := e.Telepresence("frobnicate"); err == nil {
		t.Fatal("unknown command must fail")
	}
	if out := mustTP(t, e, "version"); !strings.Contains(out, "v2.20.2") {
		t.Fatalf("version: %q", out)
	}
}

func TestStandinDNSMappings(t *testing.T) {
	e := newEnv(t)
	e.WriteFixture(Fixture{DaemonName: e.Project})
	// connect --output json prints the status of the new connection.
	var st tpStatus
	if err := json.Unmarshal([]byte(mustTP(t, e, "connect", "--docker", "--output=json")), &st); err != nil || st.Daemon == nil {
		t.Fatalf("connect --output json: %v %+v", err, st)
	}
	port := st.Daemon.DaemonPort

	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = connector.NewConnectorClient(conn).SetDNSMappings(ctx, &daemon.SetDNSMappingsRequest{
		Mappings: []*daemon.DNSMapping{{Name: "postgres", AliasFor: "psql.big-data"}, {Name: "redis", AliasFor: "redis.default"}},
	})
	if err != nil {
		t.Fatalf("SetDNSMappings: %v", err)
	}
	want := []Mapping{{Name: "postgres", AliasFor: "psql.big-data"}, {Name: "redis", AliasFor: "redis.default"}}
	if got := e.DNSMappings(); !reflect.DeepEqual(got, want) {
		t.Fatalf("recorded mappings: %+v, want %+v", got, want)
	}
}

func TestStandinTelemount(t *testing.T) {
	e := newEnv(t)
	vol := e.Project + "-0"
	// Labelled with the project so that the Env's cleanup removes it.
	_, err := e.Docker("volume", "create", "-d", telemountDriver, "--label", "com.docker.compose.project="+e.Project,
		"-o", "dir=/x", "-o", "host=h", "-o", "port=1", "-o", "container=c", vol)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.VolumesOfProject(); !reflect.DeepEqual(got, []string{vol}) {
		t.Fatalf("volumes of project: %v", got)
	}
	out, err := e.Docker("run", "--rm", "--label", daemonLabel, "-v", vol+":/mnt", busyboxImage,
		"sh", "-c", "cat /mnt/dir; echo; cat /mnt/host; echo; cat /mnt/port; echo; cat /mnt/container; echo; cat /mnt/telemount")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/x\nh\n1\nc\nstandin"; out != want {
		t.Fatalf("volume content: %q, want %q", out, want)
	}
	if _, err := e.Docker("volume", "rm", vol); err != nil {
		t.Fatal(err)
	}
	if got := e.VolumesOfProject(); len(got) != 0 {
		t.Fatalf("volume still listed after rm: %v", got)
	}
}
