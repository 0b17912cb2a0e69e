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
// of the project created with the same request, or a new one. An intercept
// the project recorded but no longer asks for (another port, workload,
// headers... or no handler at all) is left. handlers are the project's
// intercept handlers, also those this run does not start.
func (u *upRun) intercept(ctx context.Context, s *session, plan *transform.Plan, state projectState, handlers []string) (map[string]transform.Intercept, error) {
	for _, rec := range state.records {
		if !slices.Contains(handlers, rec.service) {
			if err := u.retire(ctx, s, rec, fmt.Sprintf("service %q is no longer an intercept handler", rec.service)); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]transform.Intercept{}
	for _, req := range plan.Intercepts {
		q := u.request(s, req)
		ic, reused, err := u.reuse(ctx, s, state, req, q)
		if err == nil && !reused {
			ic, err = u.create(ctx, s, req, q)
		}
		if err != nil {
			return nil, err
		}
		out[req.Service] = ic
		u.intercepts = append(u.intercepts, ic.Name)
	}
	return out, nil
}

// request is what the intercept of req is created with in this session.
func (u *upRun) request(s *session, req transform.InterceptRequest) request {
	q := request{Daemon: s.daemon.Name, Workload: req.Workload, Port: req.Port, Service: req.K8sService,
		Headers: req.HTTPHeaders, Mount: req.Mount}
	if s.model() == telepresence.ModelTeleroute {
		q.Address = req.Address
	}
	return q
}

// reuse takes over the live intercept that an earlier `up` created for the
// service with the same request, and leaves the service's other recorded
// intercepts.
func (u *upRun) reuse(ctx context.Context, s *session, state projectState, req transform.InterceptRequest, q request) (transform.Intercept, bool, error) {
	var found transform.Intercept
	reused := false
	for _, rec := range state.records {
		if rec.service != req.Service {
			continue
		}
		why := q.changes(rec.request)
		if rec.request == q.String() {
			why = "it has ended"
			if slices.Contains(s.daemon.Intercepts, rec.intercept) && !reused {
				why = "its handler does not run"
				ic, live, err := u.liveIntercept(ctx, state, req.Service, rec.intercept)
				if err != nil {
					return found, false, err
				}
				if live {
					u.printf("Reusing the live intercept %s of this project for service %s", rec.intercept, req.Service)
					found, reused = ic, true
					continue
				}
			}
		}
		if err := u.retire(ctx, s, rec, why); err != nil {
			return found, false, err
		}
	}
	return found, reused, nil
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
func (u *upRun) create(ctx context.Context, s *session, req transform.InterceptRequest, q request) (transform.Intercept, error) {
	if err := u.writeRecord(ctx, u.project, interceptRecord{intercept: req.Workload, service: req.Service, request: q.String()}); err != nil {
		return transform.Intercept{}, err
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
		return transform.Intercept{}, fmt.Errorf("service %q: intercepting workload %q: %w", req.Service, req.Workload, err)
	default:
		// Not created: refused, or someone else's. Only its record goes.
		hint := ""
		if telepresence.AlreadyExists(err) {
			hint = fmt.Sprintf(" (hint: another project or user intercepts %q; leave that intercept first, or declare intercept.httpHeaders for a personal intercept)", req.Workload)
		}
		err = fmt.Errorf("service %q: intercepting workload %q: %w%s", req.Service, req.Workload, err, hint)
		return transform.Intercept{}, errors.Join(err, u.removeRecord(ctx, u.project, req.Workload))
	}
	u.journal.push("intercept "+ic.Name, func(ctx context.Context) error { return u.leaveAndForget(ctx, s.contract, u.project, ic.Name) })
	if ic.Name != req.Workload {
		// Telepresence named it otherwise: the record must say so.
		err := u.writeRecord(ctx, u.project, interceptRecord{intercept: ic.Name, service: req.Service, request: q.String()})
		if err == nil {
			err = u.removeRecord(ctx, u.project, req.Workload)
		}
		if err != nil {
			return transform.Intercept{}, err
		}
	}
	u.printf("Intercepted workload %s (intercept %s) for service %s on port %s", req.Workload, ic.Name, req.Service, req.Port)
	return fromTelepresence(ic), nil
}

func fromTelepresence(ic *telepresence.Intercept) transform.Intercept {
	out := transform.Intercept{Name: ic.Name, Environment: ic.Environment, MountPort: ic.MountPort}
	for _, m := range ic.Mounts {
		out.Mounts = append(out.Mounts, transform.Mount{Path: m.Path, Policy: m.Policy})
	}
	return out
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
func (u *upRun) leaveAll(ctx context.Context, s *session) error {
	var errs []error
	for _, name := range slices.Backward(u.intercepts) {
		errs = append(errs, u.leave(ctx, s.contract, name))
	}
	return errors.Join(errs...)
}
