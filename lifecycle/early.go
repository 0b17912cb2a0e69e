package lifecycle

import (
	"context"

	"github.com/telepresenceio/docker-telepresence/internal/lock"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// pending is a read that runs while the run goes on, until a step waits
// for its result.
type pending[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func startReading[T any](read func() (T, error)) *pending[T] {
	p := &pending[T]{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.v, p.err = read()
	}()
	return p
}

func (p *pending[T]) wait(ctx context.Context) (T, error) {
	select {
	case <-p.done:
		return p.v, p.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err() // the cause, if any, is the run's to say
	}
}

// StatusAhead is Telepresence's status, asked as a command begins, while
// Compose loads the project: loading takes about as long as `telepresence
// status` does, so the run finds the status there when it needs it
// (docs/failures.md#where-the-time-goes). Status changes nothing, and a
// run that turns out not to use Telepresence leaves it unread.
type StatusAhead struct {
	read   *pending[*telepresence.Status]
	cancel context.CancelFunc
	// stamp is the lock directory's stamp as the status was asked, if the
	// Runner's Locker has one (current).
	stamp string
}

// stamper is a Locker that tells whether any lock was taken or released
// between two moments (lock.FileLocker).
type stamper interface{ Stamp() string }

// AskStatus starts asking Telepresence for its status; Close ends the ask.
func (r *Runner) AskStatus(ctx context.Context) *StatusAhead {
	s := &StatusAhead{}
	if l, ok := r.Locker.(stamper); ok {
		s.stamp = l.Stamp()
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.read = startReading(func() (*telepresence.Status, error) {
		defer r.Trace.Step("ask telepresence status")()
		return r.Telepresence.Status(ctx)
	})
	return s
}

// current is the status asked ahead, unless a docker telepresence command
// took or released a lock since it was asked: another run of the project,
// or one that changed a daemon, may have ended meanwhile, and the status
// may say what was before it. Then current is nil, and the run asks for
// the status itself, once it holds the project's lock.
func (s *StatusAhead) current(l lock.Locker) *StatusAhead {
	if st, ok := l.(stamper); ok && s != nil && st.Stamp() != s.stamp {
		return nil
	}
	return s
}

// Close stops the ask if it is still under way, and waits until it has
// ended: no telepresence process outlives the command.
func (s *StatusAhead) Close() {
	if s != nil {
		s.cancel()
		<-s.read.done
	}
}

// readEarly starts the reads a run begins with, at once: what the project
// left on Docker, Docker's networks (whose subnets a Teleroute daemon's
// project must stay clear of), and Telepresence's status, which depends on
// neither. The status is the one asked ahead, if it was, and otherwise it
// is asked only of a project that declares an intent (for one that does
// not, connect finds out whether an earlier run used Telepresence).
// Nothing is changed before the project's state and the status are known.
// Canceling ctx ends the reads (not the status asked ahead: its asker
// closes it).
func (u *upRun) readEarly(ctx context.Context) {
	u.state = startReading(func() (records.State, error) {
		defer u.Trace.Step("find the project on Docker")()
		return u.find(ctx, u.project)
	})
	if u.opts.Status != nil {
		u.status = u.opts.Status.read
	}
	if u.opts.Intent.Declares() {
		u.networks = startReading(func() ([]engine.Network, error) { return u.Engine.ListNetworks(ctx) })
		if u.status == nil {
			u.status = startReading(func() (*telepresence.Status, error) { return u.Telepresence.Status(ctx) })
		}
	}
}

// awaitState waits for what the project left on Docker, the run's before.
func (u *upRun) awaitState(ctx context.Context) error {
	if u.state == nil {
		return nil // taken already
	}
	defer u.Trace.Step("wait for the project's state")()
	before, err := u.state.wait(ctx)
	if err != nil {
		return err
	}
	u.before, u.state = before, nil
	return nil
}

// firstStatus is the status asked for as the run began, if it was; a
// later look at the daemons asks Telepresence again.
func (u *upRun) firstStatus(ctx context.Context) (*telepresence.Status, error) {
	if u.status == nil {
		return u.Telepresence.Status(ctx)
	}
	defer u.Trace.Step("wait for telepresence status")()
	st, err := u.status.wait(ctx)
	u.status = nil
	return st, err
}
