package lifecycle

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// What a daemon that ran before this run publishes and is connected to,
// checked against what the project needs.

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
	d := s.daemon
	if conn.Context != "" && d.Context != "" && conn.Context != d.Context {
		u.warn(fmt.Sprintf("x-telepresence.context is %q but Telepresence is connected to %q; run `telepresence quit` to reconnect", conn.Context, d.Context))
	}
	if conn.Namespace != "" && d.Namespace != "" && conn.Namespace != d.Namespace {
		u.warn(fmt.Sprintf("x-telepresence.namespace is %q but Telepresence is connected to %q; run `telepresence quit` to reconnect", conn.Namespace, d.Namespace))
	}
}

// publishes tells whether the daemon container publishes an --expose value.
func publishes(info engine.DaemonInfo, expose string) bool {
	host, port := splitExpose(expose)
	if !strings.Contains(port, "/") {
		port += "/tcp"
	}
	for _, addr := range info.Published[port] {
		if _, p, err := net.SplitHostPort(addr); err == nil && (anyPort(host) || p == host) {
			return true
		}
	}
	return false
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

// anyPort tells a host port the engine chooses (none given, or 0).
func anyPort(host string) bool { return host == "" || host == "0" }

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
