package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// intercept gives every handler an intercept: the live one an earlier `up`
// of the project created with the same request, or a new one. handlers are
// the project's intercept handlers, also those this run does not start.
//
// Every record is settled first, kept or left, and only then are new
// intercepts made: a workload that moves from one handler to another is
// free by the time its new handler asks for it.
func (u *upRun) intercept(ctx context.Context, plan *transform.Plan, handlers []string) (map[string]telepresence.Intercept, error) {
	s, state := u.session, u.before
	wanted := map[string]request{}
	for _, req := range plan.Intercepts {
		wanted[req.Service] = u.request(s, req)
	}
	out := map[string]telepresence.Intercept{}
	for _, rec := range state.records {
		q, planned := wanted[rec.service]
		if slices.Contains(handlers, rec.service) && !planned {
			continue // a handler this run does not start (up SERVICE...)
		}
		v, err := u.settle(ctx, s, state, rec, q, planned, out)
		if err != nil {
			return nil, err
		}
		if v.keep {
			out[rec.service] = v.intercept
			continue
		}
		if err := u.retire(ctx, s, rec, v.reason); err != nil {
			return nil, err
		}
	}
	for _, req := range plan.Intercepts {
		ic, reused := out[req.Service]
		if !reused {
			var err error
			if ic, err = u.create(ctx, s, req, wanted[req.Service]); err != nil {
				return nil, err
			}
			out[req.Service] = ic
		}
		u.intercepts = append(u.intercepts, ic.Name)
	}
	return out, nil
}

// verdict is what becomes of a recorded intercept at `up`: kept, with what
// it gives the handler, or left, and why.
type verdict struct {
	keep      bool
	intercept telepresence.Intercept
	reason    string
}

func leaveIt(reason string) verdict { return verdict{reason: reason} }

// settle decides the fate of a recorded intercept: kept, when it serves the
// service's request, is live and its handler runs; otherwise left.
func (u *upRun) settle(ctx context.Context, s *session, state projectState, rec interceptRecord, q request, planned bool, kept map[string]telepresence.Intercept) (verdict, error) {
	_, taken := kept[rec.service]
	switch {
	case !planned:
		return leaveIt(fmt.Sprintf("service %q is no longer an intercept handler", rec.service)), nil
	case !q.same(rec):
		return leaveIt(q.changes(rec)), nil
	case taken || !slices.Contains(s.daemon.Intercepts, rec.intercept):
		return leaveIt("it has ended"), nil
	}
	ic, running, err := u.liveIntercept(ctx, state, rec.service, rec.intercept)
	if err != nil {
		return verdict{}, err
	}
	if !running {
		return leaveIt("its handler does not run"), nil
	}
	u.printf("Reusing the live intercept %s of this project for service %s", rec.intercept, rec.service)
	return verdict{keep: true, intercept: ic}, nil
}

// request is what the intercept of req is created with in this session.
func (u *upRun) request(s *session, req transform.InterceptRequest) request {
	q := request{Connection: s.daemon.Name, Workload: req.Workload, Port: req.Port, Service: req.K8sService,
		Headers: req.HTTPHeaders, Mount: req.Mount}
	if s.model() == telepresence.ModelTeleroute {
		q.Address = req.Address
	}
	return q
}

// retire leaves a recorded intercept the project no longer uses, and
// forgets it.
func (u *upRun) retire(ctx context.Context, s *session, rec interceptRecord, why string) error {
	if slices.Contains(s.daemon.Intercepts, rec.intercept) {
		u.printf("Leaving intercept %s of service %s: %s", rec.intercept, rec.service, why)
	}
	return u.leaveAndForget(ctx, s.contract, u.project, rec.intercept)
}

// create records an intercept on the Docker side, then creates it, and
// pushes how to leave it.
func (u *upRun) create(ctx context.Context, s *session, req transform.InterceptRequest, q request) (telepresence.Intercept, error) {
	if err := u.writeRecord(ctx, u.project, interceptRecord{intercept: req.Workload, service: req.Service, request: q}); err != nil {
		return telepresence.Intercept{}, err
	}
	ic, err := u.Telepresence.Intercept(ctx, telepresence.InterceptOptions{
		Contract: s.contract, Workload: req.Workload, Port: req.Port, Address: q.Address, Service: req.K8sService,
		HTTPHeaders: req.HTTPHeaders, Mount: req.Mount,
	})
	switch {
	case err == nil:
	case ctx.Err() != nil || errors.Is(err, telepresence.ErrTimeout):
		// It may exist though we never heard back: leave it.
		u.journal.push("intercept "+req.Workload, func(ctx context.Context) error { return u.leaveAndForget(ctx, s.contract, u.project, req.Workload) })
		return telepresence.Intercept{}, fmt.Errorf("service %q: intercepting workload %q: %w", req.Service, req.Workload, err)
	default:
		// Not created: refused, or someone else's. Only its record goes.
		hint := ""
		if telepresence.AlreadyExists(err) {
			hint = fmt.Sprintf(" (hint: another project or user intercepts %q; leave that intercept first, or declare intercept.httpHeaders for a personal intercept)", req.Workload)
		}
		err = fmt.Errorf("service %q: intercepting workload %q: %w%s", req.Service, req.Workload, err, hint)
		return telepresence.Intercept{}, errors.Join(err, u.removeRecord(ctx, u.project, req.Workload))
	}
	u.journal.push("intercept "+ic.Name, func(ctx context.Context) error { return u.leaveAndForget(ctx, s.contract, u.project, ic.Name) })
	if ic.Name != req.Workload {
		// Telepresence named it otherwise: the record must say so.
		err := u.writeRecord(ctx, u.project, interceptRecord{intercept: ic.Name, service: req.Service, request: q})
		if err == nil {
			err = u.removeRecord(ctx, u.project, req.Workload)
		}
		if err != nil {
			return telepresence.Intercept{}, err
		}
	}
	u.printf("Intercepted workload %s (intercept %s) for service %s on port %s", req.Workload, ic.Name, req.Service, req.Port)
	return *ic, nil
}

// leaveAndForget leaves an intercept and, once it is gone, removes its
// record: a leave that fails keeps the record for the next `down`.
func (r *Runner) leaveAndForget(ctx context.Context, c telepresence.Contract, project, name string) error {
	if err := r.leave(ctx, c, name); err != nil {
		return err
	}
	return r.removeRecord(ctx, project, name)
}

// leave ends an intercept; one that is already gone is fine.
func (r *Runner) leave(ctx context.Context, c telepresence.Contract, name string) error {
	err := r.Telepresence.Leave(ctx, c, name)
	switch {
	case err == nil:
		r.printf("Left intercept %s", name)
	case errors.Is(err, telepresence.ErrNotFound):
		err = nil
	}
	return err
}

// leaveAll ends the project's intercepts after it stopped; their records
// stay for `down`.
func (u *upRun) leaveAll(ctx context.Context) error {
	var errs []error
	for _, name := range slices.Backward(u.intercepts) {
		errs = append(errs, u.leave(ctx, u.session.contract, name))
	}
	return errors.Join(errs...)
}
