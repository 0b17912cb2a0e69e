package lifecycle

import (
	"context"
	"fmt"

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
	in := u.opts.Intent
	conns := usedConnections(in)
	st, err := u.Telepresence.Status(ctx)
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
		s, err := u.connectOne(ctx, plan.ForConnection(conn.Name, i == 0), conn, st)
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

// sessionFor is the session of a service's connection.
func (u *upRun) sessionFor(service string) *session {
	return u.sessions[u.opts.Intent.ConnectionOf(service)]
}

// netnsSession is the session of a run in the netns model, which has one
// connection; nil in the Teleroute model.
func (u *upRun) netnsSession() *session {
	for _, s := range u.sessions {
		if s.model() == vocab.ModelNetns {
			return s
		}
	}
	return nil
}

// pretended tells a dry run that pretends a daemon it would connect.
func (u *upRun) pretended() bool {
	for _, s := range u.sessions {
		if s.info.Pretended {
			return true
		}
	}
	return false
}
