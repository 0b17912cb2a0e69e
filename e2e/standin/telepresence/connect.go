package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
)

// networkName is the docker network that real telepresence creates for its
// containerized daemon.
const networkName = "telepresence"

// daemonStatus is the containerized shape of `status --output json`.
type daemonStatus struct {
	Running           bool     `json:"running"`
	InDocker          bool     `json:"in_docker"`
	Name              string   `json:"name"`
	DaemonPort        int      `json:"daemon_port"`
	ContainerNetwork  string   `json:"container_network"`
	ExposedPorts      []string `json:"exposedPorts"`
	Status            string   `json:"status"`
	KubernetesContext string   `json:"kubernetes_context"`
	Namespace         string   `json:"namespace"`
}

type trafficManager struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type simpleDaemon struct {
	Running bool   `json:"running"`
	Status  string `json:"status"`
	Name    string `json:"name,omitempty"`
}

func status(e *env, args []string) error {
	if _, err := parseFlags(args, []string{"output"}, nil); err != nil {
		return err
	}
	if e.fixture.StatusOutput != "" {
		fmt.Print(e.fixture.StatusOutput)
		return nil
	}
	if e.fixture.NonDocker {
		return printJSON(map[string]simpleDaemon{
			"user_daemon": {Running: true, Status: "Connected", Name: "x"},
			"root_daemon": {Running: true, Status: "Connected"},
		})
	}
	if err := lock(e.dir); err != nil {
		return err
	}
	s, err := connectedState(e)
	if err != nil {
		return err
	}
	if s == nil {
		// What real telepresence prints when no daemon runs.
		return printJSON(map[string]simpleDaemon{
			"user_daemon": {Status: "Not running"},
			"root_daemon": {Status: "Not running"},
		})
	}
	return printStatus(s)
}

// printStatus prints the containerized, connected shape of status.
func printStatus(s *state) error {
	exposed := s.Exposed
	if exposed == nil {
		exposed = []string{}
	}
	return printJSON(struct {
		Daemon         daemonStatus   `json:"daemon"`
		TrafficManager trafficManager `json:"traffic_manager"`
	}{
		Daemon: daemonStatus{
			Running: true, InDocker: true, Name: s.Name, DaemonPort: s.GRPCPort,
			ContainerNetwork: "container:" + containerName(s.Name), ExposedPorts: exposed,
			Status: "Connected", KubernetesContext: s.Context, Namespace: s.Namespace,
		},
		TrafficManager: trafficManager{Name: "OSS Traffic Manager", Version: "v2.20.2"},
	})
}

// connectedState returns the state if connected and the daemon container
// really runs; if the container vanished, it forgets the connection. The
// caller must hold the lock.
func connectedState(e *env) (*state, error) {
	s, err := loadState(e.dir)
	if err != nil || !s.Connected {
		return nil, err
	}
	out, err := docker("inspect", "-f", "{{.State.Running}}", containerName(s.Name))
	if err == nil && strings.TrimSpace(out) == "true" {
		return s, nil
	}
	return nil, (&state{}).save(e.dir)
}

func connect(e *env, args []string) error {
	f, err := parseFlags(args,
		[]string{"context", "namespace", "manager-namespace", "mapped-namespaces", "expose", "output"},
		[]string{"docker"})
	if err != nil {
		return err
	}
	if len(f.args) > 0 {
		return fmt.Errorf("unexpected arguments %q", f.args)
	}
	if e.fixture.ConnectFail != "" {
		return fmt.Errorf("%s", e.fixture.ConnectFail)
	}
	if !f.bools["docker"] {
		return fmt.Errorf("the stand-in only supports connect --docker")
	}
	if err := lock(e.dir); err != nil {
		return err
	}
	if s, err := connectedState(e); err != nil {
		return err
	} else if s != nil {
		if f.last("output") == "json" {
			return printStatus(s)
		}
		fmt.Printf("Connected to context %s, namespace %s (already connected)\n", s.Context, s.Namespace)
		return nil
	}

	// Like real telepresence, status names the context and namespace it
	// resolved, never an empty one.
	s := &state{
		Context: orDefault(f.last("context")), Namespace: orDefault(f.last("namespace")),
		ManagerNamespace: f.last("manager-namespace"), Exposed: f.values["expose"],
		Intercepts: map[string]activeInterception{},
	}
	if m := f.last("mapped-namespaces"); m != "" {
		s.MappedNamespaces = strings.Split(m, ",")
	}
	s.Name = e.fixture.DaemonName
	if s.Name == "" {
		s.Name = s.Context + "-" + s.Namespace
	}
	if s.GRPCPort, err = freePort(); err != nil {
		return err
	}
	if err := startDaemon(e, s); err != nil {
		return err
	}
	s.Connected = true
	if err := s.save(e.dir); err != nil {
		return err
	}
	if f.last("output") == "json" {
		return printStatus(s)
	}
	fmt.Printf("Connected to context %s, namespace %s (stand-in daemon %s)\n",
		s.Context, s.Namespace, containerName(s.Name))
	return nil
}

// startDaemon runs the daemon container like `telepresence connect --docker`
// does: on the telepresence network, with the gRPC port and the exposed
// ports published on the host, and waits until its gRPC server answers.
func startDaemon(e *env, s *state) error {
	if _, err := docker("network", "inspect", networkName); err != nil {
		if _, err := docker("network", "create", networkName); err != nil && !strings.Contains(err.Error(), "already exists") {
			return err
		}
	}
	name := containerName(s.Name)
	_, _ = docker("rm", "-f", name) // a stale, stopped daemon would block the name
	run := []string{"run", "-d", "--name", name, "--network", networkName, "--label", "tpe2e=1",
		"-v", e.dir + ":/state", "-p", fmt.Sprintf("127.0.0.1:%d:9000", s.GRPCPort)}
	for _, x := range s.Exposed {
		run = append(run, "-p", normaliseExpose(x))
	}
	run = append(run, e.image, "daemon-foreground", "--grpc-port", "9000", "--record", "/state/dns.jsonl")
	if _, err := docker(run...); err != nil {
		_, _ = docker("rm", "-f", name)
		return err
	}
	if err := waitForGRPC(s.GRPCPort, 10*time.Second); err != nil {
		logs, _ := docker("logs", name)
		_, _ = docker("rm", "-f", name)
		return fmt.Errorf("daemon container %s did not answer gRPC: %v; logs: %s", name, err, logs)
	}
	return nil
}

// waitForGRPC polls until a gRPC call reaches the daemon. A plain TCP dial is
// not enough: docker-proxy accepts on the host port before the container
// listens. Any answer other than "unavailable" proves the server is up.
func waitForGRPC(port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := probeGRPC(port)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func probeGRPC(port int) error {
	// A fresh client per probe avoids grpc's growing reconnect backoff.
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = connector.NewConnectorClient(conn).Version(ctx, &emptypb.Empty{})
	if c := grpcstatus.Code(err); c == codes.Unavailable || c == codes.DeadlineExceeded {
		return err
	}
	return nil // Unimplemented (or success) means the server answered
}

func quit(e *env, args []string) error {
	if _, err := parseFlags(args, []string{"output"}, []string{"stop-daemons"}); err != nil {
		return err
	}
	if err := lock(e.dir); err != nil {
		return err
	}
	s, err := loadState(e.dir)
	if err != nil {
		return err
	}
	if s.Name != "" {
		if _, err := docker("rm", "-f", containerName(s.Name)); err != nil && !strings.Contains(err.Error(), "No such container") {
			return err
		}
	}
	if err := (&state{}).save(e.dir); err != nil {
		return err
	}
	fmt.Println("Telepresence Daemons quitting...done")
	return nil
}

// normaliseExpose turns "HOSTPORT:PORT" (or "PORT") into a publish spec bound
// to 127.0.0.1, like telepresence does; "IP:HOSTPORT:PORT" is kept.
func normaliseExpose(x string) string {
	ports, _, _ := strings.Cut(x, "/") // keep a "/udp" suffix as it is
	switch strings.Count(ports, ":") {
	case 0:
		return "127.0.0.1:" + ports + ":" + x
	case 1:
		return "127.0.0.1:" + x
	}
	return x
}

func containerName(name string) string { return "tp-" + name }

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// docker runs the docker CLI and returns its stdout; the error carries stderr.
func docker(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
