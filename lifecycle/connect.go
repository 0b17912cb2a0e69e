package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"

	"github.com/containerd/errdefs"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// session is the daemon a run works with, as status and Docker report it.
type session struct {
	daemon   telepresence.Daemon
	contract telepresence.Contract
	info     engine.DaemonInfo
	// gone is set once the daemon container stopped while the project ran.
	gone atomic.Bool
}

func (s *session) model() vocab.Model { return s.daemon.Model() }

// grpcAddress is where the daemon's gRPC API answers on this host
// (docs/telepresence-contract.md#daemon-grpc-port, pkg/client/docker/daemon.go):
// in 2.20–2.22 the container port <daemon_port>/tcp, published on the same
// host port; from 2.23 the container port grpc.daemonPort (4038 unless
// configured), published on the host port status calls daemon_port.
func (s *session) grpcAddress() string {
	if s.model() == vocab.ModelNetns {
		if addrs := s.info.Published[strconv.Itoa(s.daemon.DaemonPort)+"/tcp"]; len(addrs) > 0 {
			return addrs[0]
		}
	} else if addr := publishedGRPC(s.info.Published, s.daemon.DaemonPort); addr != "" {
		return addr
	}
	if s.daemon.DaemonPort > 0 {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.daemon.DaemonPort))
	}
	return ""
}

// connectOne finds the daemon of a connection, and connects one in docker
// mode if none runs (pushing its quit on the journal). st is what status
// said before.
func (u *upRun) connectOne(ctx context.Context, plan *transform.Plan, conn transform.Connection, st *telepresence.Status) (*session, error) {
	d, contract, err := selectDaemon(st, conn)
	if err != nil {
		return nil, err
	}
	connectsNow := d == nil
	if connectsNow {
		if d, contract, err = u.startDaemon(ctx, plan, conn, st); err != nil {
			return nil, err
		}
	} else if err := checkRelease(plan, d.Release()); err != nil {
		return nil, err
	}
	s, err := u.open(ctx, d, contract)
	if err != nil {
		return nil, err
	}
	if s.model() == vocab.ModelTelerouteNoNetwork && plan.NeedsDaemonNetwork() {
		return nil, fmt.Errorf("the Telepresence daemon %s routes no cluster subnet, so it made no Teleroute network and cannot reach the intercept handlers "+
			"(hint: `telepresence status` should list the cluster's subnets; check the connection to the cluster and the traffic manager, then `telepresence quit` and try again)",
			d.Container())
	}
	if !connectsNow {
		u.checkConnection(s, plan, conn)
	}
	return s, nil
}

// connectAttempt tells the daemons a connect of this run made, for its
// undo: until the connect has answered, any new daemon of the project's
// context and namespace (a failed or interrupted connect may still leave
// one); once it has, only the daemon this run chose.
type connectAttempt struct {
	before                   []string
	name, context, namespace string
	chosen                   string
}

func (a *connectAttempt) made(d telepresence.Daemon) bool {
	switch {
	case a.chosen != "":
		return d.Name == a.chosen
	case a.name != "":
		return d.Name == a.name && !slices.Contains(a.before, d.Name)
	}
	return !slices.Contains(a.before, d.Name) &&
		(a.context == "" || d.Context == a.context) && (a.namespace == "" || d.Namespace == a.namespace)
}

// startDaemon connects Telepresence in docker mode. The client's release
// says which model the new daemon has, hence whether the handlers' ports
// are published through it (--expose, netns model only).
func (u *upRun) startDaemon(ctx context.Context, plan *transform.Plan, conn transform.Connection, st *telepresence.Status) (*telepresence.Daemon, telepresence.Contract, error) {
	v, err := u.Telepresence.ClientVersion(ctx)
	if err != nil {
		return nil, telepresence.Contract{}, err
	}
	if err := checkRelease(plan, v); err != nil {
		return nil, telepresence.Contract{}, err
	}
	opts := telepresence.ConnectOptions{
		Name: conn.Name, Context: conn.Context, Namespace: conn.Namespace, ManagerNamespace: conn.ManagerNamespace,
		MappedNamespaces: conn.MappedNamespaces, AlsoProxy: conn.AlsoProxy, NeverProxy: conn.NeverProxy,
	}
	if vocab.ModelFor(v) == vocab.ModelNetns {
		opts.Expose = plan.Expose
	}
	u.addProxies(&opts, plan, v)
	attempt := &connectAttempt{before: daemonNames(st), name: conn.Name, context: conn.Context, namespace: conn.Namespace}
	u.journal.push("the Telepresence connection", func(ctx context.Context) error { return u.disconnect(ctx, attempt.made) })
	u.event("Telepresence", api.Working, "Connecting", fmt.Sprintf("%s, docker mode", v))
	if err := u.Telepresence.Connect(ctx, opts); err != nil {
		u.event("Telepresence", api.Error, api.StatusError, briefly(err))
		return nil, telepresence.Contract{}, fmt.Errorf("connecting Telepresence: %w%s", err, u.portHint(ctx, err, opts.Expose))
	}
	if st, err = u.Telepresence.Status(ctx); err != nil {
		return nil, telepresence.Contract{}, err
	}
	d, contract, err := selectDaemon(st, conn)
	if err == nil && d == nil {
		err = errors.New("telepresence connect succeeded but `telepresence status` shows no daemon in a container")
	}
	if err != nil {
		return nil, telepresence.Contract{}, err
	}
	attempt.chosen = d.Name
	u.event("Telepresence", api.Done, "Connected", fmt.Sprintf("daemon %s, %s model", d.Container(), d.Model()))
	return d, contract, nil
}

func daemonNames(st *telepresence.Status) []string {
	names := make([]string, len(st.Daemons))
	for i, d := range st.Daemons {
		names[i] = d.Name
	}
	return names
}

// open inspects the daemon's container and checks it can serve.
func (r *Runner) open(ctx context.Context, d *telepresence.Daemon, contract telepresence.Contract) (*session, error) {
	info, err := r.Engine.InspectDaemon(ctx, d.Container())
	switch {
	case errdefs.IsNotFound(err):
		return nil, fmt.Errorf("telepresence status names the daemon container %q, which does not exist (hint: run `telepresence quit` and try again)", d.Container())
	case err != nil:
		return nil, r.engineError(err)
	case !info.Running:
		return nil, fmt.Errorf("the Telepresence daemon container %q is not running (hint: run `telepresence quit` and try again)", d.Container())
	}
	if _, ok := info.Networks[d.Network()]; d.Model() == vocab.ModelTeleroute && !ok {
		return nil, fmt.Errorf("the Telepresence daemon container %q is not on its Teleroute network %q (hint: run `telepresence quit` and try again)", d.Container(), d.Network())
	}
	return &session{daemon: *d, contract: contract, info: info}, nil
}

// disconnect quits the daemons this run connected, unless another
// project's handlers use them meanwhile.
func (u *upRun) disconnect(ctx context.Context, mine func(telepresence.Daemon) bool) error {
	st, err := u.Telepresence.Status(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range st.Daemons {
		if !mine(d) {
			continue
		}
		users, err := u.handlersOf(ctx, d.Container())
		others := slices.ContainsFunc(users, func(c engine.Container) bool { return c.Project != u.project })
		if err != nil || others {
			u.printf("Leaving Telepresence connected: other projects use its daemon %s", d.Container())
			continue
		}
		contract := st.ContractFor(d)
		u.event("Telepresence", api.Working, "Disconnecting", "this up connected it")
		err = u.Telepresence.Quit(ctx, contract)
		if err == nil {
			u.event("Telepresence", api.Done, "Disconnected", "")
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// portHint explains a connect that failed because a host port the daemon
// must publish is taken, naming the container that holds it if Docker knows.
func (u *upRun) portHint(ctx context.Context, err error, expose []string) string {
	msg := err.Error()
	if !strings.Contains(msg, "already allocated") && !strings.Contains(msg, "address already in use") {
		return ""
	}
	for _, e := range expose {
		host, _ := splitExpose(e)
		if anyPort(host) || !strings.Contains(msg, ":"+host+" ") && !strings.Contains(msg, ":"+host+":") && !strings.HasSuffix(msg, ":"+host) {
			continue
		}
		by := "another program"
		if users, uerr := u.Engine.PortUsers(ctx, host); uerr == nil && len(users) > 0 {
			by = "container " + strings.Join(users, ", ")
		}
		return fmt.Sprintf(" (hint: host port %s, published by an intercept handler, is already in use by %s; stop it or change the handler's published port)", host, by)
	}
	return " (hint: a host port the handlers publish is already in use)"
}

// splitExpose reads the host and container ports of an --expose value:
// [IP:]HOST:PORT, or PORT alone (a random host port).
func splitExpose(e string) (host, port string) {
	parts := strings.Split(e, ":")
	if len(parts) > 1 {
		host = parts[len(parts)-2]
	}
	return host, parts[len(parts)-1]
}

// checkConnection warns when the running daemon cannot serve the project as
// declared: handler ports it does not publish (netns model), or another
// context or namespace.
func (u *upRun) checkConnection(s *session, plan *transform.Plan, conn transform.Connection) {
	if s.model() == vocab.ModelNetns {
		var missing []string
		for _, e := range plan.Expose {
			if !publishes(s.info, e) {
				missing = append(missing, e)
			}
		}
		if len(missing) > 0 {
			cmd := "telepresence quit && telepresence connect --docker --expose " + strings.Join(plan.Expose, " --expose ")
			for _, m := range missing {
				u.warn(fmt.Sprintf("the running Telepresence daemon does not publish port %s, so the handler is not reachable there from this host; reconnect with: %s", m, cmd))
			}
		}
	}
	u.checkProxies(s, plan)
	d := s.daemon
	if conn.Context != "" && d.Context != "" && conn.Context != d.Context {
		u.warn(fmt.Sprintf("x-telepresence.context is %q but Telepresence is connected to %q; run `telepresence quit` to reconnect", conn.Context, d.Context))
	}
	if conn.Namespace != "" && d.Namespace != "" && conn.Namespace != d.Namespace {
		u.warn(fmt.Sprintf("x-telepresence.namespace is %q but Telepresence is connected to %q; run `telepresence quit` to reconnect", conn.Namespace, d.Namespace))
	}
}

// anyPort tells a host port the engine chooses (none given, or 0).
func anyPort(host string) bool { return host == "" || host == "0" }

// publishes tells whether the daemon container publishes an --expose value.
func publishes(info engine.DaemonInfo, expose string) bool {
	host, port := splitExpose(expose)
	for _, addr := range info.Published[port+"/tcp"] {
		if _, p, err := net.SplitHostPort(addr); err == nil && (anyPort(host) || p == host) {
			return true
		}
	}
	return false
}
