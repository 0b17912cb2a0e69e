package lifecycle

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/containerd/errdefs"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
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
