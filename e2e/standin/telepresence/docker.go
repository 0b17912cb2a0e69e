package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	// standinLabel marks everything the stand-in creates on the engine, so
	// the harness can sweep what a failed test leaves.
	standinLabel = "tpe2e=1"
	// createdLabel marks the netns "telepresence" network when the stand-in
	// created it (and so may remove it).
	createdLabel = "tpe2e.standin.created=1"
	// netnsNetwork is the network of the 2.20-2.22 daemon container
	// (pkg/client/docker/daemon.go).
	netnsNetwork = "telepresence"
	// telerouteGRPCPort is grpc.daemonPort, the daemon's port inside its
	// container from 2.23 (pkg/client/config.go defaultGrpc).
	telerouteGRPCPort = 4038
)

// containerName is the daemon container of a daemon name
// (pkg/client/cli/daemon/identifier.go ContainerName).
func containerName(name string) string { return "tp-" + name }

// clusterName is the stand-in cluster service container of a daemon.
func clusterName(name string) string { return "tp-" + name + "-cluster" }

// docker runs the docker CLI and returns its trimmed stdout; the error
// carries stderr.
func docker(args ...string) (string, error) {
	out, err := dockerRaw(args...)
	return strings.TrimSpace(out), err
}

// dockerRaw is docker without trimming stdout.
func dockerRaw(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// running reports whether a container exists and runs.
func running(name string) bool {
	out, err := docker("inspect", "-f", "{{.State.Running}}", name)
	return err == nil && out == "true"
}

// removeContainer removes a container, if it exists.
func removeContainer(name string) error {
	if _, err := docker("rm", "-f", name); err != nil && !strings.Contains(err.Error(), "No such container") {
		return err
	}
	return nil
}

// ipOn returns a container's IPv4 address on a network ("" if none).
func ipOn(container, network string) string {
	out, _ := docker("inspect", "-f", fmt.Sprintf(`{{with index .NetworkSettings.Networks %q}}{{.IPAddress}}{{end}}`, network), container)
	return out
}

// normaliseExpose turns an --expose value into the publish spec (`docker
// run -p`) Telepresence passes on, bound to 127.0.0.1 where it names no
// address (the tests publish nothing beyond this host): "PORT" gets a host
// port the engine chooses, as `-p PORT` does; "HOSTPORT:PORT" keeps its
// host port; "IP:HOSTPORT:PORT" is kept.
func normaliseExpose(x string) string {
	ports, _, _ := strings.Cut(x, "/") // keep a "/udp" suffix as it is
	switch strings.Count(ports, ":") {
	case 0:
		return "127.0.0.1::" + x
	case 1:
		return "127.0.0.1:" + x
	}
	return x
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitForGRPC polls until a gRPC call reaches the daemon through its host
// port. A plain TCP dial is not enough: docker-proxy accepts before the
// container listens. Any answer but "unavailable" proves the server is up.
func waitForGRPC(port int, timeout time.Duration, container string) error {
	deadline := time.Now().Add(timeout)
	for try := 1; ; try++ {
		err := probeGRPC(port)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		if try%5 == 0 { // a daemon that is gone will never answer: say so at once
			if state, ierr := docker("inspect", "-f", "{{.State.Status}} (exit code {{.State.ExitCode}}{{with .State.Error}}, {{.}}{{end}})", container); ierr != nil || !strings.HasPrefix(state, "running") {
				return fmt.Errorf("%w; the container is %s", err, cmp.Or(state, fmt.Sprint(ierr)))
			}
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
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = connector.NewConnectorClient(conn).Version(ctx, &emptypb.Empty{})
	if c := grpcstatus.Code(err); c == codes.Unavailable || c == codes.DeadlineExceeded {
		return err
	}
	return nil // Unimplemented (or success) means the server answered
}
