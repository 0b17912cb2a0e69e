package telepresence

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// fakeBinary writes a shell script standing in for telepresence: it records
// its arguments and prints stdout/stderr, exiting with code.
func fakeBinary(t *testing.T, stdout, stderr string, code int) (*CLI, func() string) {
	t.Helper()
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	script := "#!/bin/sh\n" +
		"echo \"$@\" > " + argsFile + "\n" +
		"cat <<'EOF'\n" + stdout + "\nEOF\n" +
		"cat >&2 <<'EOF'\n" + stderr + "\nEOF\n" +
		"exit " + string(rune('0'+code)) + "\n"
	bin := filepath.Join(dir, "telepresence")
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return &CLI{Binary: bin, Timeout: 10 * time.Second}, func() string {
		b, _ := os.ReadFile(argsFile)
		return strings.TrimSpace(string(b))
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name    string
		stdout  string
		want    *Status
		wantErr error
		errHas  string
	}{
		{
			name: "containerized daemon",
			stdout: `{"daemon":{"running":true,"in_docker":true,"name":"minikube-default-cn","daemon_port":53127,
 "container_network":"container:tp-minikube-default-cn","exposedPorts":["8088:8088"],
 "status":"Connected","kubernetes_context":"minikube","namespace":"default"},
 "traffic_manager":{"name":"OSS Traffic Manager","version":"v2.20.2"}}`,
			want: &Status{Running: true, InDocker: true, Name: "minikube-default-cn", DaemonPort: 53127,
				ContainerNetwork: "container:tp-minikube-default-cn", ExposedPorts: []string{"8088:8088"},
				Namespace: "default", Context: "minikube", Status: "Connected"},
		},
		{
			name:   "wrapped in a cmd/stdout envelope",
			stdout: `{"cmd":"status","stdout":{"daemon":{"running":true,"in_docker":true,"name":"x","container_network":"container:tp-x"}}}`,
			want:   &Status{Running: true, InDocker: true, Name: "x", ContainerNetwork: "container:tp-x"},
		},
		{
			name:   "nothing running",
			stdout: `{"user_daemon":{"running":false,"status":"Not running"},"root_daemon":{"running":false}}`,
			want:   &Status{Status: "Not running"},
		},
		{
			name:    "connected on the host, not in docker",
			stdout:  `{"user_daemon":{"running":true,"status":"Connected","name":"x"},"root_daemon":{"running":true}}`,
			wantErr: ErrNotDocker,
			errHas:  "telepresence connect --docker",
		},
		{
			name:    "not JSON",
			stdout:  `OSS User Daemon: Running`,
			wantErr: ErrBadOutput,
			errHas:  "Telepresence 2.20 or newer",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, args := fakeBinary(t, tc.stdout, "", 0)
			got, err := c.Status(context.Background())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v, want %v containing %q", err, tc.wantErr, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("status (-want +got):\n%s", d)
			}
			if a := args(); a != "status --output json" {
				t.Errorf("args = %q", a)
			}
		})
	}
}

func TestDaemonContainer(t *testing.T) {
	if got := (&Status{ContainerNetwork: "container:tp-a"}).DaemonContainer(); got != "tp-a" {
		t.Errorf("from container_network: %q", got)
	}
	if got := (&Status{Name: "b"}).DaemonContainer(); got != "tp-b" {
		t.Errorf("from name: %q", got)
	}
}

func TestNotInstalled(t *testing.T) {
	c := &CLI{Binary: filepath.Join(t.TempDir(), "nope")}
	_, err := c.Status(context.Background())
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "telepresence.io") {
		t.Fatalf("err = %v", err)
	}
}

func TestTimeout(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "telepresence")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexec sleep 30\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	c := &CLI{Binary: bin, Timeout: 200 * time.Millisecond}
	start := time.Now()
	err := c.Connect(context.Background(), ConnectOptions{})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "--telepresence-timeout") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("the timeout did not stop the command")
	}
}

func TestConnect(t *testing.T) {
	c, args := fakeBinary(t, "Connected", "", 0)
	err := c.Connect(context.Background(), ConnectOptions{Context: "minikube", Namespace: "default", ManagerNamespace: "ambassador",
		MappedNamespaces: []string{"a", "b"}, Expose: []string{"8088:8088", "127.0.0.1:9000:9000"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "connect --docker --context minikube --namespace default --manager-namespace ambassador --mapped-namespaces a,b --expose 8088:8088 --expose 127.0.0.1:9000:9000"
	if a := args(); a != want {
		t.Errorf("args = %q, want %q", a, want)
	}
}

func TestConnectFailureSaysWhy(t *testing.T) {
	c, _ := fakeBinary(t, "", "telepresence connect: error: unable to reach the cluster", 1)
	err := c.Connect(context.Background(), ConnectOptions{})
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "telepresence connect: telepresence connect: error: unable to reach the cluster") {
		t.Fatalf("err = %v", err)
	}
}

func TestIntercept(t *testing.T) {
	tests := []struct {
		name   string
		stdout string
		want   *Intercept
	}{
		{
			name: "mounts as a list",
			stdout: `{"id":"5b1f:echo-server","name":"echo-server","disposition":"ACTIVE",
 "environment":{"TELEPRESENCE_CONTAINER":"echo-server","DB_HOST":"psql"},
 "mount":{"pod_ip":"127.0.0.1","port":34439,"mounts":["/var/run/secrets/kubernetes.io"]}}`,
			want: &Intercept{ID: "5b1f:echo-server", Name: "echo-server", Disposition: "ACTIVE",
				Environment: map[string]string{"TELEPRESENCE_CONTAINER": "echo-server", "DB_HOST": "psql"},
				MountPort:   34439, Mounts: []string{"/var/run/secrets/kubernetes.io"}},
		},
		{
			name:   "mounts as a map, in the envelope",
			stdout: `{"cmd":"intercept","stdout":{"name":"echo-server","disposition":"ACTIVE","mount":{"port":1,"mounts":{"/b":"ReadOnly","/a":"ReadWrite"}}}}`,
			want:   &Intercept{Name: "echo-server", Disposition: "ACTIVE", MountPort: 1, Mounts: []string{"/a", "/b"}},
		},
		{
			name:   "no mount",
			stdout: `{"name":"echo-server","disposition":"ACTIVE"}`,
			want:   &Intercept{Name: "echo-server", Disposition: "ACTIVE"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, args := fakeBinary(t, tc.stdout, "", 0)
			got, err := c.Intercept(context.Background(), InterceptOptions{Workload: "echo-server", Port: "8088:http",
				Service: "echo", HTTPHeaders: []string{"x-dev=alice"}, Mount: false})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("intercept (-want +got):\n%s", d)
			}
			want := "intercept echo-server --port 8088:http --service echo --http-header x-dev=alice --mount=false --detailed-output --output json"
			if a := args(); a != want {
				t.Errorf("args = %q, want %q", a, want)
			}
		})
	}
}

func TestInterceptFailures(t *testing.T) {
	tests := []struct {
		name   string
		stdout string
		code   int
		want   string
	}{
		{"error in JSON", `{"err":"intercept echo-server already exists"}`, 1, "telepresence intercept echo-server: intercept echo-server already exists"},
		{"not active", `{"name":"echo-server","disposition":"NO_PORTS","message":"no ports"}`, 0, "NO_PORTS: no ports"},
		{"garbage", `Using Deployment echo-server`, 0, "cannot read its JSON output"},
		{"JSON without an error is not quoted", `{"name":"echo-server","environment":{"API_TOKEN":"s3cret"}}`, 1, "failed without a message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := fakeBinary(t, tc.stdout, "", tc.code)
			_, err := c.Intercept(context.Background(), InterceptOptions{Workload: "echo-server", Port: "8088", Mount: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error quotes the pod environment: %v", err)
			}
		})
	}
}

func TestLeave(t *testing.T) {
	c, args := fakeBinary(t, "", "", 0)
	if err := c.Leave(context.Background(), "echo-server"); err != nil {
		t.Fatal(err)
	}
	if a := args(); a != "leave echo-server" {
		t.Errorf("args = %q", a)
	}
	c, _ = fakeBinary(t, "", "telepresence leave: error: intercept echo-server not found", 1)
	if err := c.Leave(context.Background(), "echo-server"); !errors.Is(err, ErrNotFound) {
		t.Errorf("leaving a missing intercept: %v", err)
	}
}

type dnsServer struct {
	connector.UnimplementedConnectorServer
	mu  sync.Mutex
	got []*daemon.DNSMapping
}

func (s *dnsServer) SetDNSMappings(_ context.Context, req *daemon.SetDNSMappingsRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, req.GetMappings()...)
	return &emptypb.Empty{}, nil
}

func TestSetDNSMappings(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	fake := &dnsServer{}
	connector.RegisterConnectorServer(srv, fake)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	c := &CLI{Timeout: 10 * time.Second}
	port := lis.Addr().(*net.TCPAddr).Port
	if err := c.SetDNSMappings(context.Background(), port, []DNSMapping{{Name: "postgres", AliasFor: "psql.big-data"}}); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.got) != 1 || fake.got[0].GetName() != "postgres" || fake.got[0].GetAliasFor() != "psql.big-data" {
		t.Errorf("daemon received %v", fake.got)
	}
}

func TestSetDNSMappingsWithoutPort(t *testing.T) {
	err := (&CLI{}).SetDNSMappings(context.Background(), 0, []DNSMapping{{Name: "a", AliasFor: "b"}})
	if !errors.Is(err, ErrBadOutput) {
		t.Errorf("err = %v", err)
	}
}
