package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// A project uses one connection, or several (docs/network-models.md):
// each has its own daemon, and each service works with its connection's.

// connect finds, or connects, the daemon of each connection the project
// uses. Several connections need the Teleroute model: in the netns model
// a handler shares one daemon's namespace, so it cannot reach two.
func (u *upRun) connect(ctx context.Context, plan *transform.Plan) error {
	defer u.Trace.Step("connect")()
	in := u.opts.Intent
	// The project's state and the status are read meanwhile (early.go);
	// nothing is done before both are known. An engine that cannot be read
	// is the first thing to fix.
	if err := u.awaitState(ctx); err != nil {
		return err
	}
	if !in.Declares() && !u.before.UsedTelepresence() {
		// Nothing asks for Telepresence, and nothing of an earlier run
		// needs ending: the project runs as Compose runs it, without it.
		u.sessions = map[string]*session{}
		return nil
	}
	conns := usedConnections(in)
	st, err := u.firstStatus(ctx)
	if err != nil {
		return err
	}
	if len(conns) > 1 {
		if err := u.checkSeveral(ctx, st, conns); err != nil {
			return err
		}
	}
	u.sessions = map[string]*session{}
	for i, conn := range conns {
		s, err := u.connectOne(ctx, plan.ForConnection(conn.Name, i == 0), conn, st, records.DNSVolumeName(u.project, conn.Name, i == 0))
		if err != nil {
			return err
		}
		if len(conns) > 1 {
			s.contract.Use = s.daemon.Name // other daemons run, or will
		}
		u.sessions[conn.Name] = s
		if i < len(conns)-1 { // the next one's daemon may have come up meanwhile
			if st, err = u.Telepresence.Status(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// usedConnections are the connections the project uses: its only one, or,
// of several, those a service names.
func usedConnections(in *transform.Intent) []transform.Connection {
	if !in.Several() {
		return []transform.Connection{in.Connection()}
	}
	var out []transform.Connection
	for _, c := range in.Connections {
		for name := range in.Services {
			if in.ConnectionOf(name) == c.Name {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// checkSeveral refuses several connections in the netns model, before
// anything is created.
func (u *upRun) checkSeveral(ctx context.Context, st *telepresence.Status, conns []transform.Connection) error {
	for _, conn := range conns {
		if d, _, err := selectDaemon(st, conn); err == nil && d != nil && d.Model() == vocab.ModelNetns {
			return severalRefused(d.Release())
		}
	}
	v, err := u.Telepresence.ClientVersion(ctx)
	if err != nil {
		return err
	}
	if vocab.ModelFor(v) == vocab.ModelNetns {
		return severalRefused(v)
	}
	return nil
}

func severalRefused(v vocab.Version) error {
	return &ReleaseError{Key: "connections", Release: v,
		Problem: fmt.Sprintf("cannot use several connections in one project: before %s a handler shares its daemon's network namespace, which reaches one cluster", vocab.Teleroute),
		Hint:    "upgrade Telepresence to 2.23 or newer, or keep one connection"}
}

// selectDaemon is the running daemon of a connection: by its name, or,
// for the default connection, by context and namespace.
func selectDaemon(st *telepresence.Status, conn transform.Connection) (*telepresence.Daemon, telepresence.Contract, error) {
	if conn.Name != "" {
		d, c := st.SelectNamed(conn.Name)
		return d, c, nil
	}
	return st.Select(conn.Context, conn.Namespace)
}

// connectOne finds the daemon of a connection, and connects one in docker
// mode if none runs (pushing its quit on the journal). st is what status
// said before.
func (u *upRun) connectOne(ctx context.Context, plan *transform.Plan, conn transform.Connection, st *telepresence.Status, volume string) (*session, error) {
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
		if err := u.reroute(ctx, s, plan, volume); err != nil {
			return nil, err
		}
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
	if st.OnHost {
		u.printf("NOTE: Telepresence is connected on this host too; docker telepresence connects a daemon in a container beside it (the two coexist, and the one on the host stays as it is)")
	}
	attempt := &connectAttempt{before: daemonNames(st), name: conn.Name, context: conn.Context, namespace: conn.Namespace}
	u.journal.push("the Telepresence connection", func(ctx context.Context) error { return u.disconnect(ctx, attempt.made) })
	u.event("Telepresence", api.Working, "Connecting", fmt.Sprintf("%s, docker mode", v))
	u.networks = nil // the daemon makes a network of its own: the list read early lacks it
	if err := u.Telepresence.Connect(ctx, opts); err != nil {
		u.failed(ctx, "Telepresence", err)
		if perr := unresolvedProxy(err, plan); perr != nil {
			return nil, telepresence.Contract{}, fmt.Errorf("connecting Telepresence: %w", perr)
		}
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
