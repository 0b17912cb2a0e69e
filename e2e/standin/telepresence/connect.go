package main

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// connectFlags are the flags of `telepresence connect` that the plugin
// passes (pkg/client/cli/daemon/request.go InitRequest): --name,
// --manager-namespace, --mapped-namespaces, --also-proxy, --never-proxy,
// --docker and --expose, which v2.20.2 has, and the Kubernetes flags
// --context and --namespace; --reroute-local and --reroute-remote from
// 2.24.
func connectFlags(r release) flagSpec {
	spec := flagSpec{
		valued: []string{"name", "context", "namespace", "manager-namespace", "mapped-namespaces",
			"also-proxy", "never-proxy", "expose"},
		boolean: []string{"docker"},
	}
	if r.reroute() {
		spec = spec.with([]string{"reroute-local", "reroute-remote"}, nil, nil)
	}
	return spec
}

// connect starts a containerized daemon, as `telepresence connect --docker`
// does (pkg/client/cli/connect/connector.go). Connecting again to a daemon
// of the same name reuses it; another name starts another daemon, beside
// it. Then, for the new daemon or the one reused, it asks the daemon for
// the reroutes, as EnsureSession does (reroute.go).
func connect(e *env, f *flags) (any, error) {
	if len(f.args) > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", f.args)
	}
	if e.fx.ConnectFail != "" {
		return nil, errors.New(e.fx.ConnectFail)
	}
	if !f.bools["docker"] {
		return nil, errors.New("the stand-in only emulates connect --docker")
	}
	c, err := e.newConnection(f)
	if err != nil {
		return nil, err
	}
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if old := s.Connections[c.Name]; old != nil {
		// pkg/client/cli/connect/connector.go DiscoverDaemon: only a connect
		// that names ports can differ from the running daemon's.
		if len(c.Exposed) > 0 && !slices.Equal(old.Exposed, c.Exposed) {
			return nil, errors.New("exposed ports differ. Please quit and reconnect")
		}
		// pkg/client/userd/trafficmgr/session.go CheckStatus: a connect
		// to the running session must name its cluster: a context or
		// namespace (which a connect without them takes from the
		// kubeconfig), or a manager namespace (default ambassador), that
		// differs refuses it.
		manager := func(c *fixture.Connection) string { return cmp.Or(c.ManagerNamespace, "ambassador") }
		if c.Context != old.Context || c.Namespace != old.Namespace || manager(c) != manager(old) {
			return nil, errors.New("Cluster configuration changed, please quit telepresence and reconnect") //nolint:staticcheck // Telepresence's words
		}
		e.printf("Connected to context %s, namespace %s (already connected)\n", old.Context, old.Namespace)
		if err := saveState(e.dir, s); err != nil {
			return nil, err
		}
		return nil, reroute(old, f)
	}
	if e.rel.teleroute() {
		err = startTeleroute(e, c)
	} else {
		err = startNetns(e, c)
	}
	if err != nil {
		return nil, err
	}
	s.Connections[c.Name] = c
	if err := saveState(e.dir, s); err != nil {
		return nil, err
	}
	e.printf("Launching Telepresence Daemon v%s\nConnected to context %s, namespace %s (%s)\n",
		e.rel.text, c.Context, c.Namespace, containerName(c.Name))
	// A reroute that fails fails the connect, and leaves the daemon
	// running, as EnsureSession does.
	return nil, reroute(c, f)
}

// newConnection reads the connection a connect asks for. Its name is
// --name, else the fixture's DaemonName, else <context>-<namespace>, made
// safe as pkg/client/cli/daemon/identifier.go NewIdentifier does
// (ioutil.SafeName). The subnets of --also-proxy and --never-proxy must be
// CIDRs (pflag's StringSlice splits them at commas).
func (e *env) newConnection(f *flags) (*fixture.Connection, error) {
	c := &fixture.Connection{
		Context: orDefault(cmp.Or(f.last("context"), e.fx.Context)), Namespace: orDefault(f.last("namespace")),
		ManagerNamespace: f.last("manager-namespace"), MappedNamespaces: splitList(f.values["mapped-namespaces"]),
		AlsoProxy: splitList(f.values["also-proxy"]), NeverProxy: splitList(f.values["never-proxy"]),
		Exposed: f.values["expose"], Intercepts: map[string]fixture.ActiveIntercept{},
	}
	for _, cidr := range slices.Concat(c.AlsoProxy, c.NeverProxy) {
		if _, err := netip.ParsePrefix(cidr); err != nil {
			return nil, err
		}
	}
	c.Name = f.last("name")
	if c.Name == "" {
		c.Name = e.fx.DaemonName
	}
	if c.Name == "" {
		c.Name = c.Context + "-" + c.Namespace
	}
	c.Name = safeName(c.Name)
	return c, nil
}

// safeName is pkg/ioutil/safename.go SafeName: letters and digits stay,
// '_', '.' and '-' too but first, anything else is '_' ('a' when first).
func safeName(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case i > 0 && (r == '_' || r == '.' || r == '-'):
			b.WriteRune(r)
		case i > 0:
			b.WriteByte('_')
		default:
			b.WriteByte('a')
		}
	}
	return b.String()
}

// daemonRun is the `docker run` of a daemon container: labelled for the
// harness, with the state directory mounted (for dns.jsonl), the gRPC port
// and each --expose published on the host.
func daemonRun(e *env, c *fixture.Connection, grpc string, extra ...string) []string {
	run := []string{"run", "-d", "--name", containerName(c.Name), "--label", standinLabel,
		"-v", e.dir + ":/state", "-p", grpc}
	for _, x := range c.Exposed {
		run = append(run, "-p", normaliseExpose(x))
	}
	return append(run, extra...)
}

// startNetns runs the 2.20-2.22 daemon (pkg/client/docker/daemon.go at
// v2.20.2): on the "telepresence" network, its gRPC port P published 1:1 as
// 127.0.0.1:P:P, P chosen free on the host.
func startNetns(e *env, c *fixture.Connection) error {
	if err := ensureNetnsNetwork(); err != nil {
		return err
	}
	return onFreePort(func(port int) error {
		c.GRPCPort = port
		p := strconv.Itoa(port)
		run := daemonRun(e, c, "127.0.0.1:"+p+":"+p, "--network", netnsNetwork, e.image,
			"daemon-foreground", "--name", c.Name, "--grpc-port", p, "--state", "/state")
		return launch(e, c, run, nil)
	})
}

// onFreePort runs start with a host port that was free a moment ago, and
// again with another when something took it in between (launch has then
// removed what start made).
func onFreePort(start func(port int) error) error {
	for try := 1; ; try++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		err = start(port)
		if err == nil || try == 3 || !strings.Contains(err.Error(), "port is already allocated") &&
			!strings.Contains(err.Error(), "address already in use") {
			return err
		}
	}
}

// startTeleroute runs the 2.23+ daemon (pkg/client/docker/daemon.go
// DaemonOptions): on the default bridge, its gRPC port 4038 published on a
// random host port bound to 127.0.0.1; then, unless it routes no subnet,
// the Teleroute network (connector.go EnsureSession) and the stand-in
// cluster service on it.
func startTeleroute(e *env, c *fixture.Connection) error {
	return onFreePort(func(port int) error { return launchTeleroute(e, c, port) })
}

func launchTeleroute(e *env, c *fixture.Connection, port int) error {
	c.GRPCPort = port
	run := daemonRun(e, c, fmt.Sprintf("127.0.0.1:%d:%d/tcp", port, telerouteGRPCPort), e.image,
		"daemon-foreground", "--name", c.Name, "--grpc-port", strconv.Itoa(telerouteGRPCPort),
		"--state", "/state", "--dns", "--namespace", c.Namespace, "--cluster", clusterName(c.Name))
	return launch(e, c, run, func(id string) error {
		if e.fx.NoSubnets {
			return nil
		}
		if err := createTelerouteNetwork(c.Name, id); err != nil {
			return err
		}
		c.Network = c.Name
		if _, err := docker("network", "connect", c.Network, containerName(c.Name)); err != nil {
			return err
		}
		run := []string{"run", "-d", "--name", clusterName(c.Name), "--label", standinLabel,
			"--network", c.Network, e.image, "standin-cluster-service", "--name", c.Name}
		for _, p := range e.fx.ClusterPorts {
			run = append(run, "--listen", strconv.Itoa(p.Port))
		}
		_, err := docker(run...)
		return err
	})
}

// launch runs the daemon container, then more (given its ID), and waits
// until its gRPC server answers; on failure it removes what it made.
func launch(e *env, c *fixture.Connection, run []string, more func(id string) error) error {
	_ = removeContainer(clusterName(c.Name)) // stale, stopped ones would block the names
	_ = removeContainer(containerName(c.Name))
	id, err := docker(run...)
	if err == nil && more != nil {
		err = more(id)
	}
	if err == nil {
		if err = waitForGRPC(c.GRPCPort, 90*time.Second, containerName(c.Name)); err != nil {
			logs, lerr := docker("logs", containerName(c.Name))
			if lerr != nil {
				logs = lerr.Error()
			}
			err = fmt.Errorf("daemon container %s did not answer gRPC: %w; logs: %s", containerName(c.Name), err, logs)
		}
	}
	if err != nil {
		teardown(e, c)
	}
	return err
}

// prune forgets the daemons whose container no longer runs (real
// telepresence drops stale daemon info files), removing what they left, and
// tells whether it forgot any.
func prune(e *env, s *fixture.State) bool {
	n := len(s.Connections)
	for name, c := range s.Connections {
		if !running(containerName(name)) {
			teardown(e, c)
			delete(s.Connections, name)
		}
	}
	return len(s.Connections) != n
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

// managerNamespace is the traffic manager's namespace as status shows it.
func managerNamespace(c *fixture.Connection) string {
	if c.ManagerNamespace == "" {
		return "ambassador"
	}
	return c.ManagerNamespace
}
